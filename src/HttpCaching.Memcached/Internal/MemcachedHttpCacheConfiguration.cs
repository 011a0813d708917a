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
    private static readonly (string Name, bool Text)[] Known =
    [
        (nameof(MemcachedHttpCacheOptions.Servers), true),
        (nameof(MemcachedHttpCacheOptions.KeyPrefix), true),
        (nameof(MemcachedHttpCacheOptions.UseTls), false),
        (nameof(MemcachedHttpCacheOptions.TlsServerName), true),
        (nameof(MemcachedHttpCacheOptions.CaCertificatePath), true),
        (nameof(MemcachedHttpCacheOptions.Username), true),
        (nameof(MemcachedHttpCacheOptions.Password), true),
        (nameof(MemcachedHttpCacheOptions.ConnectTimeout), false),
        (nameof(MemcachedHttpCacheOptions.OperationTimeout), false),
        (nameof(MemcachedHttpCacheOptions.MaxConnectionsPerServer), false),
        (nameof(MemcachedHttpCacheOptions.ServerRetryInterval), false),
        (nameof(MemcachedHttpCacheOptions.MaxServerRetryInterval), false),
    ];

    /// <summary>The names configuration can set, in declaration order.</summary>
    public static IEnumerable<string> Names => Known.Select(s => s.Name);

    /// <exception cref="OptionsValidationException">The section names an unknown option or holds a value that does not convert.</exception>
    public static void Bind(string name, IConfigurationSection section, MemcachedHttpCacheOptions options)
    {
        var errors = new List<string>();
        foreach (var child in section.GetChildren())
        {
            var (known, text) = Array.Find(Known, s => string.Equals(s.Name, child.Key, StringComparison.OrdinalIgnoreCase));
            if (known is null)
            {
                errors.Add($"{child.Path} is not a known option. Known options: {string.Join(", ", Names)}.");
            }
            else if (child.GetChildren().Any())
            {
                errors.Add($"{child.Path} must be a value, not a section.");
            }
            else if (!text && string.IsNullOrWhiteSpace(child.Value))
            {
                errors.Add($"{child.Path} needs a value.");
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
                // The binder's message names the key and the target type; the values that can fail to convert are
                // booleans, numbers and time spans, never a password (a string always converts).
                errors.Add(ex.Message.Contains(section.Path, StringComparison.OrdinalIgnoreCase) ? ex.Message : $"{section.Path}: {ex.Message}");
            }
        }

        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, typeof(MemcachedHttpCacheOptions), errors.Select(e => $"{StoreName.Describe(name)}: {e}"));
        }
    }

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
