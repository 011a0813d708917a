using HttpCaching.Internal;
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
    private static readonly ConfigurationShape Shape = new ConfigurationShape("option")
        .Text(nameof(RedisHttpCacheOptions.Configuration))
        .Text(nameof(RedisHttpCacheOptions.KeyPrefix))
        .Nullable(nameof(RedisHttpCacheOptions.Ssl), "to leave it to the configuration string")
        .Text(nameof(RedisHttpCacheOptions.SslHost))
        .Text(nameof(RedisHttpCacheOptions.User))
        .Text(nameof(RedisHttpCacheOptions.Password))
        .Text(nameof(RedisHttpCacheOptions.CaCertificatePath))
        .Value(nameof(RedisHttpCacheOptions.AllowNoEviction))
        .Value(nameof(RedisHttpCacheOptions.Backplane))
        .Value(nameof(RedisHttpCacheOptions.CollapseAcrossInstances))
        .Value(nameof(RedisHttpCacheOptions.LeaseDuration))
        .Value(nameof(RedisHttpCacheOptions.LeaseWait));

    /// <summary>The names configuration can set, in declaration order.</summary>
    public static IEnumerable<string> Names => Shape.Names;

    /// <exception cref="OptionsValidationException">The section names an unknown option or holds a value that does not convert.</exception>
    /// <remarks>
    /// The binder's message names the key and the target type; for the options bound here (strings and booleans) a
    /// value that does not convert is a boolean, never a secret.
    /// </remarks>
    public static void Bind(string name, IConfigurationSection section, RedisHttpCacheOptions options) =>
        Shape.Bind(
            section,
            () =>
            {
                var settings = new Settings();
                section.Bind(settings, static binder => binder.ErrorOnUnknownConfiguration = true);
                settings.ApplyTo(options);
            },
            name,
            typeof(RedisHttpCacheOptions),
            StoreName.Describe(name));

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
