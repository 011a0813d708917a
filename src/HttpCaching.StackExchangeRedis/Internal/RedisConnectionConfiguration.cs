using HttpCaching.Internal;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>The StackExchange.Redis configuration a store connects with, made from its options.</summary>
internal static class RedisConnectionConfiguration
{
    /// <summary>
    /// A copy of <see cref="RedisHttpCacheOptions.ConfigurationOptions"/>, or the parsed
    /// <see cref="RedisHttpCacheOptions.Configuration"/>, with the options that override them applied and the settings
    /// the store depends on forced.
    /// </summary>
    /// <exception cref="ArgumentException">The configuration string does not parse.</exception>
    public static ConfigurationOptions Create(RedisHttpCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = options.ConfigurationOptions?.Clone()
            ?? ConfigurationOptions.Parse(options.Configuration ?? throw new ArgumentException("A configuration is required.", nameof(options)));

        if (options.Ssl is { } ssl)
        {
            configuration.Ssl = ssl;
        }

        if (options.SslHost is { } sslHost)
        {
            configuration.SslHost = sslHost;
        }

        if (options.User is { } user)
        {
            configuration.User = user;
        }

        if (options.Password is { } password)
        {
            configuration.Password = password;
        }

        if (options.CaCertificatePath is { } path)
        {
            configuration.CertificateValidation += ServerCertificateValidator.FromFile(path).Validate;
        }

        // Start while Redis is down and reconnect in the background: a cache must never keep the application from
        // starting. Meanwhile every operation fails at once, into a miss, instead of waiting in StackExchange.Redis's
        // backlog for a connection (up to syncTimeout, 5 seconds by default, each): a cache has nothing to replay later.
        configuration.AbortOnConnectFail = false;
        configuration.BacklogPolicy = BacklogPolicy.FailFast;

        // CONFIG GET and INFO, which the memory-policy check reads with, are admin commands to StackExchange.Redis. Only
        // the store's own code uses this connection, and it runs no other admin command.
        configuration.AllowAdmin = true;

        // StackExchange.Redis's logger writes commands with their keys; nothing of the store's may log a key.
        configuration.LoggerFactory = null;
        return configuration;
    }

    /// <summary>
    /// Whether the configuration that <see cref="Create"/> would make uses TLS; for the validator, without loading
    /// certificates.
    /// </summary>
    public static bool UsesTls(RedisHttpCacheOptions options, ConfigurationOptions parsed) => options.Ssl ?? parsed.Ssl;
}
