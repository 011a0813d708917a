using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>Validates the settings shared by every client.</summary>
internal sealed class HttpCachingOptionsValidator : IValidateOptions<HttpCachingOptions>
{
    public ValidateOptionsResult Validate(string? name, HttpCachingOptions options) =>
        options.MemoryStoreSizeLimit <= 0
            ? ValidateOptionsResult.Fail($"{ConfigurationSections.Root}:{nameof(options.MemoryStoreSizeLimit)} must be positive (it is {options.MemoryStoreSizeLimit}).")
            : ValidateOptionsResult.Success;
}
