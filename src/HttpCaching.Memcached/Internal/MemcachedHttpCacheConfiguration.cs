using HttpCaching.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// Binds <see cref="MemcachedHttpCacheOptions"/> from a configuration section strictly, with the configuration binder's
/// source generator: a key that names no option, a section where a value belongs, an empty value for an option that
/// needs one, or a value that does not convert fails with a message naming the full configuration key, never its value.
/// </summary>
internal static class MemcachedHttpCacheConfiguration
{
    /// <summary>The options configuration can set: all of them.</summary>
    private static readonly ConfigurationShape Shape = new ConfigurationShape("option")
        .Text(nameof(MemcachedHttpCacheOptions.Servers))
        .Text(nameof(MemcachedHttpCacheOptions.KeyPrefix))
        .Value(nameof(MemcachedHttpCacheOptions.UseTls))
        .Text(nameof(MemcachedHttpCacheOptions.TlsServerName))
        .Text(nameof(MemcachedHttpCacheOptions.CaCertificatePath))
        .Text(nameof(MemcachedHttpCacheOptions.Username))
        .Text(nameof(MemcachedHttpCacheOptions.Password))
        .Value(nameof(MemcachedHttpCacheOptions.ConnectTimeout))
        .Value(nameof(MemcachedHttpCacheOptions.OperationTimeout))
        .Value(nameof(MemcachedHttpCacheOptions.MaxConnectionsPerServer))
        .Value(nameof(MemcachedHttpCacheOptions.ServerRetryInterval))
        .Value(nameof(MemcachedHttpCacheOptions.MaxServerRetryInterval));

    /// <summary>The names configuration can set, in declaration order.</summary>
    public static IEnumerable<string> Names => Shape.Names;

    /// <exception cref="OptionsValidationException">The section names an unknown option or holds a value that does not convert.</exception>
    /// <remarks>
    /// The binder's message names the key and the target type; the values that can fail to convert are booleans,
    /// numbers and time spans, never a password (a string always converts).
    /// </remarks>
    public static void Bind(string name, IConfigurationSection section, MemcachedHttpCacheOptions options) =>
        Shape.Bind(
            section,
            () =>
            {
                var settings = new Settings();
                section.Bind(settings, static binder => binder.ErrorOnUnknownConfiguration = true);
                settings.ApplyTo(options);
            },
            name,
            typeof(MemcachedHttpCacheOptions),
            StoreName.Describe(name));

    /// <summary>What configuration binds into; only the keys present are applied, so what code set before stays otherwise.</summary>
    internal sealed class Settings
    {
        public string? Servers { get; set; }

        public string? KeyPrefix { get; set; }

        public bool? UseTls { get; set; }

        public string? TlsServerName { get; set; }

        public string? CaCertificatePath { get; set; }

        public string? Username { get; set; }

        public string? Password { get; set; }

        public TimeSpan? ConnectTimeout { get; set; }

        public TimeSpan? OperationTimeout { get; set; }

        public int? MaxConnectionsPerServer { get; set; }

        public TimeSpan? ServerRetryInterval { get; set; }

        public TimeSpan? MaxServerRetryInterval { get; set; }

        public void ApplyTo(MemcachedHttpCacheOptions options)
        {
            options.Servers = Servers ?? options.Servers;
            options.KeyPrefix = KeyPrefix ?? options.KeyPrefix;
            options.UseTls = UseTls ?? options.UseTls;
            options.TlsServerName = TlsServerName ?? options.TlsServerName;
            options.CaCertificatePath = CaCertificatePath ?? options.CaCertificatePath;
            options.Username = Username ?? options.Username;
            options.Password = Password ?? options.Password;
            options.ConnectTimeout = ConnectTimeout ?? options.ConnectTimeout;
            options.OperationTimeout = OperationTimeout ?? options.OperationTimeout;
            options.MaxConnectionsPerServer = MaxConnectionsPerServer ?? options.MaxConnectionsPerServer;
            options.ServerRetryInterval = ServerRetryInterval ?? options.ServerRetryInterval;
            options.MaxServerRetryInterval = MaxServerRetryInterval ?? options.MaxServerRetryInterval;
        }
    }
}
