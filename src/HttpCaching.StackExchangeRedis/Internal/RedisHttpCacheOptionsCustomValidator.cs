using HttpCaching.Internal;
using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Internal;

/// <summary>
/// Validates the options of every Redis store at start-up. Messages name the store (its service key) and the option to
/// fix, and never repeat the configuration string or the password. No rule of these options can be stated with a
/// DataAnnotations attribute, so there is no source-generated validator beside this one.
/// </summary>
internal sealed class RedisHttpCacheOptionsCustomValidator : IValidateOptions<RedisHttpCacheOptions>
{
    /// <summary>The shortest <see cref="RedisHttpCacheOptions.LeaseDuration"/>.</summary>
    public static readonly TimeSpan MinLeaseDuration = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest <see cref="RedisHttpCacheOptions.LeaseDuration"/> and <see cref="RedisHttpCacheOptions.LeaseWait"/>.</summary>
    public static readonly TimeSpan MaxLeaseTime = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, RedisHttpCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = StoreName.Describe(name);
        var builder = new ValidateOptionsResultBuilder();
        void Fail(string option, string problem) =>
            builder.AddError($"{store}: {nameof(RedisHttpCacheOptions)}.{option} {problem}", option);

        ConfigurationOptions? parsed = null;
        var hasString = !string.IsNullOrWhiteSpace(options.Configuration);
        if (hasString && options.ConfigurationOptions is not null)
        {
            Fail(nameof(options.ConfigurationOptions), $"and {nameof(options.Configuration)} are both set; set one of them.");
        }
        else if (options.ConfigurationOptions is not null)
        {
            parsed = options.ConfigurationOptions;
        }
        else if (!hasString)
        {
            Fail(nameof(options.Configuration), $"is required (a StackExchange.Redis configuration string such as 'redis.internal:6379,ssl=true'), or set {nameof(options.ConfigurationOptions)} in code.");
        }
        else
        {
            try
            {
                parsed = ConfigurationOptions.Parse(options.Configuration!);
            }
            catch (ArgumentException ex)
            {
                // Not StackExchange.Redis's message: the keyword it names can be the tail of a password with a ',' in it,
                // and the value it quotes is whatever followed the '='. Only an option it knows is named, never a value.
                Fail(nameof(options.Configuration), KnownOption(ex.Message) is { } option
                    ? $"is not a valid StackExchange.Redis configuration string: the value of '{option}' cannot be read."
                    : "is not a valid StackExchange.Redis configuration string: an option it does not know, or a value it cannot read (a password that contains ',' or '=' belongs in ConfigurationOptions, set in code).");
            }
        }

        if (parsed is not null && parsed.EndPoints.Count == 0)
        {
            Fail(parsed == options.ConfigurationOptions ? nameof(options.ConfigurationOptions) : nameof(options.Configuration), "names no endpoint (host:port).");
        }

        if (options.KeyPrefix is null)
        {
            Fail(nameof(options.KeyPrefix), "must not be null; use an empty string for no prefix.");
        }

        if (options.SslHost is not null && string.IsNullOrWhiteSpace(options.SslHost))
        {
            Fail(nameof(options.SslHost), "must not be empty or white space; leave it null to check the endpoint's host.");
        }

        if (options.User is not null && string.IsNullOrWhiteSpace(options.User))
        {
            Fail(nameof(options.User), "must not be empty or white space; leave it null for the configuration's user.");
        }

        var tls = parsed is not null && RedisConnectionConfiguration.UsesTls(options, parsed);
        if (options.CaCertificatePath is { } path)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                Fail(nameof(options.CaCertificatePath), "must not be empty or white space; leave it null to trust the system's roots.");
            }
            else if (!File.Exists(path))
            {
                Fail(nameof(options.CaCertificatePath), $"is '{path}', which is not a file.");
            }
            else
            {
                try
                {
                    _ = ServerCertificateValidator.FromFile(path);
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
                {
                    Fail(nameof(options.CaCertificatePath), $"is '{path}', which holds no readable PEM or DER certificate ({ex.GetType().Name}).");
                }
            }

            if (parsed is not null && !tls)
            {
                Fail(nameof(options.CaCertificatePath), $"is set but TLS is off: set {nameof(options.Ssl)} to true, or ssl=true in the configuration.");
            }
        }

        if (options.SslHost is not null && parsed is not null && !tls)
        {
            Fail(nameof(options.SslHost), $"is set but TLS is off: set {nameof(options.Ssl)} to true, or ssl=true in the configuration.");
        }

        if (options.LeaseDuration < MinLeaseDuration || options.LeaseDuration > MaxLeaseTime)
        {
            Fail(nameof(options.LeaseDuration), $"must be between 100 milliseconds and 1 hour (it is {options.LeaseDuration}).");
        }

        if (options.LeaseWait < TimeSpan.Zero || options.LeaseWait > MaxLeaseTime)
        {
            Fail(nameof(options.LeaseWait), $"must be between 0 and 1 hour (it is {options.LeaseWait}).");
        }

        return builder.Build();
    }

    /// <summary>The options of a StackExchange.Redis configuration string, as its parser names them.</summary>
    private static readonly FrozenSet<string> Options = FrozenSet.Create(
        StringComparer.OrdinalIgnoreCase,
        "abortConnect", "allowAdmin", "asyncTimeout", "channelPrefix", "checkCertificateRevocation", "configCheckSeconds",
        "configChannel", "connectRetry", "connectTimeout", "defaultDatabase", "highPrioritySocketThreads", "keepAlive",
        "name", "proxy", "resolveDns", "responseTimeout", "serviceName", "ssl", "sslHost", "sslProtocols",
        "syncTimeout", "tiebreaker", "version", "setlib", "protocol", "heartbeatInterval", "heartbeatConsistencyChecks",
        "highIntegrity", "writeBuffer");

    /// <summary>The option a StackExchange.Redis parse error names (<c>Keyword 'x' …</c>), when it is one it knows.</summary>
    private static string? KnownOption(string message)
    {
        const string Marker = "Keyword '";
        var start = message.IndexOf(Marker, StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + Marker.Length);
        return end < 0 ? null : Options.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(message.AsSpan(start + Marker.Length, end - start - Marker.Length), out var option) ? option : null;
    }
}
