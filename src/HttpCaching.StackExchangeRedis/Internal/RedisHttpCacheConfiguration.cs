using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// Binds <see cref="RedisHttpCacheOptions"/> from a configuration section strictly, with the configuration binder's
/// source generator: a key that names no option, a section where a value belongs, an empty value for an option that
/// needs one, or a value that does not convert fails with a message naming the full configuration key, never its value.
/// </summary>
internal static class RedisHttpCacheConfiguration
{
    /// <summary>The options configuration can set; <see cref="RedisHttpCacheOptions.ConfigurationOptions"/> is code only.</summary>
    private static readonly (string Name, SettingKind Kind)[] Known =
    [
        (nameof(RedisHttpCacheOptions.Configuration), SettingKind.Text),
        (nameof(RedisHttpCacheOptions.KeyPrefix), SettingKind.Text),
        (nameof(RedisHttpCacheOptions.Ssl), SettingKind.Nullable),
        (nameof(RedisHttpCacheOptions.SslHost), SettingKind.Text),
        (nameof(RedisHttpCacheOptions.User), SettingKind.Text),
        (nameof(RedisHttpCacheOptions.Password), SettingKind.Text),
        (nameof(RedisHttpCacheOptions.CaCertificatePath), SettingKind.Text),
        (nameof(RedisHttpCacheOptions.AllowNoEviction), SettingKind.Value),
        (nameof(RedisHttpCacheOptions.Backplane), SettingKind.Value),
        (nameof(RedisHttpCacheOptions.CollapseAcrossInstances), SettingKind.Value),
        (nameof(RedisHttpCacheOptions.LeaseDuration), SettingKind.Value),
        (nameof(RedisHttpCacheOptions.LeaseWait), SettingKind.Value),
    ];

    private enum SettingKind
    {
        /// <summary>A string, which may be empty.</summary>
        Text,

        /// <summary>A value that must not be empty: a boolean.</summary>
        Value,

        /// <summary>A value that JSON <c>null</c> (a key with no value) leaves to the configuration string; an empty string is a mistake.</summary>
        Nullable,
    }

    /// <summary>The names configuration can set, in declaration order.</summary>
    public static IEnumerable<string> Names => Known.Select(s => s.Name);

    /// <exception cref="OptionsValidationException">The section names an unknown option or holds a value that does not convert.</exception>
    public static void Bind(string name, IConfigurationSection section, RedisHttpCacheOptions options)
    {
        var errors = new List<string>();
        foreach (var child in section.GetChildren())
        {
            var (known, kind) = Array.Find(Known, s => string.Equals(s.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                errors.Add($"{child.Path} is not a known option. Known options: {string.Join(", ", Names)}.");
            }
            else if (child.GetChildren().Any())
            {
                errors.Add($"{child.Path} must be a value, not a section.");
            }
            else if (kind == SettingKind.Value && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value.");
            }
            else if (kind == SettingKind.Nullable && child.Value is not null && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value, or null to leave it to the configuration string.");
            }
        }

        if (errors.Count == 0)
        {
            try
            {
                var settings = new Settings();
                section.Bind(settings, static binder => binder.ErrorOnUnknownConfiguration = true);
                settings.ApplyTo(options);
            }
            catch (InvalidOperationException ex)
            {
                // The binder's message names the key and the target type; for the options bound here (strings,
                // booleans and durations) a value that does not convert is a boolean or a duration, never a secret.
                errors.Add(ex.Message.Contains(section.Path, StringComparison.OrdinalIgnoreCase) ? ex.Message : $"{section.Path}: {ex.Message}");
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(RedisHttpCacheOptions), errors.Select(e => $"{StoreName.Describe(name)}: {e}"));
        }
    }

    /// <summary>
    /// What configuration binds into: the options less <see cref="RedisHttpCacheOptions.ConfigurationOptions"/>, which the
    /// binder's source generator cannot (and must not) bind. Only the keys present are applied, so code that configured
    /// the same options before keeps what configuration does not say.
    /// </summary>
    internal sealed class Settings
    {
        public string? Configuration { get; set; }

        public string? KeyPrefix { get; set; }

        public bool? Ssl { get; set; }

        public string? SslHost { get; set; }

        public string? User { get; set; }

        public string? Password { get; set; }

        public string? CaCertificatePath { get; set; }

        public bool? AllowNoEviction { get; set; }

        public bool? Backplane { get; set; }

        public bool? CollapseAcrossInstances { get; set; }

        public TimeSpan? LeaseDuration { get; set; }

        public TimeSpan? LeaseWait { get; set; }

        public void ApplyTo(RedisHttpCacheOptions options)
        {
            options.Configuration = Configuration ?? options.Configuration;
            options.KeyPrefix = KeyPrefix ?? options.KeyPrefix;
            options.Ssl = Ssl ?? options.Ssl;
            options.SslHost = SslHost ?? options.SslHost;
            options.User = User ?? options.User;
            options.Password = Password ?? options.Password;
            options.CaCertificatePath = CaCertificatePath ?? options.CaCertificatePath;
            options.AllowNoEviction = AllowNoEviction ?? options.AllowNoEviction;
            options.Backplane = Backplane ?? options.Backplane;
            options.CollapseAcrossInstances = CollapseAcrossInstances ?? options.CollapseAcrossInstances;
            options.LeaseDuration = LeaseDuration ?? options.LeaseDuration;
            options.LeaseWait = LeaseWait ?? options.LeaseWait;
        }
    }
}
