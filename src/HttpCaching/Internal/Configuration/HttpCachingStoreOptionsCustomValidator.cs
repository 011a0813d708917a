using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// Validates the settings of the stores every client shares: the rules of the source-generated
/// <see cref="HttpCachingStoreOptionsValidator"/>, then the integrity keys. Messages name the configuration key, and
/// never quote a key.
/// </summary>
internal sealed class HttpCachingStoreOptionsCustomValidator : IValidateOptions<HttpCachingStoreOptions>
{
    private static readonly HttpCachingStoreOptionsValidator Declared = new();

    public ValidateOptionsResult Validate(string? name, HttpCachingStoreOptions options)
    {
        var builder = new ValidateOptionsResultBuilder();
        foreach (var failure in ValidationMessages.NameKeys(Declared.Validate(null, options), nameof(HttpCachingStoreOptions), ConfigurationSections.StorePath))
        {
            builder.AddError(failure);
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
