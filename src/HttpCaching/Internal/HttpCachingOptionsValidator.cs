using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>Validates the settings shared by every client. Messages never quote a key.</summary>
internal sealed class HttpCachingOptionsValidator : IValidateOptions<HttpCachingOptions>
{
    /// <summary>The largest <see cref="HttpCachingOptions.MemoryStoreSizeLimit"/>: 1 TiB.</summary>
    public const long MaxMemoryStoreSizeLimit = 1L << 40;

    public ValidateOptionsResult Validate(string? name, HttpCachingOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        if (options.MemoryStoreSizeLimit <= 0)
        {
            builder.AddError($"{ConfigurationSections.Root}:{nameof(options.MemoryStoreSizeLimit)} must be positive (it is {options.MemoryStoreSizeLimit}).");
        }
        else if (options.MemoryStoreSizeLimit > MaxMemoryStoreSizeLimit)
        {
            builder.AddError($"{ConfigurationSections.Root}:{nameof(options.MemoryStoreSizeLimit)} must be at most {MaxMemoryStoreSizeLimit} bytes (1 TiB) (it is {options.MemoryStoreSizeLimit}).");
        }

        var integrity = options.Integrity;
        for (var i = 0; i < integrity.Keys.Count; i++)
        {
            var path = $"{ConfigurationSections.IntegrityKeysPath}:{i}";
            var key = integrity.Keys[i];
            if (string.IsNullOrWhiteSpace(key))
            {
                builder.AddError($"{path} is empty.");
            }
            else if (RecordProtector.DecodeKey(key) is not { } secret)
            {
                builder.AddError($"{path} is not valid base64.");
            }
            else if (secret.Length < HttpCachingIntegrityOptions.MinimumKeyLength)
            {
                builder.AddError($"{path} is {secret.Length} bytes long; a key needs at least {HttpCachingIntegrityOptions.MinimumKeyLength} random bytes (for example from `openssl rand -base64 32`).");
            }
        }

        if (integrity.Encrypt && integrity.Keys.Count == 0)
        {
            builder.AddError($"{ConfigurationSections.IntegrityPath}:{nameof(integrity.Encrypt)} is true, but {ConfigurationSections.IntegrityKeysPath} is empty: encryption needs at least one key.");
        }

        return builder.Build();
    }
}
