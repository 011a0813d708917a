using HttpCaching.Internal;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// Validates the options of every memcached store at start-up. Messages name the store (its service key) and the option
/// to fix, and never repeat the password.
/// </summary>
internal sealed class MemcachedHttpCacheOptionsCustomValidator : IValidateOptions<MemcachedHttpCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, MemcachedHttpCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var store = StoreName.Describe(name);
        var builder = new ValidateOptionsResultBuilder();
        void Fail(string option, string problem) =>
            builder.AddError($"{store}: {nameof(MemcachedHttpCacheOptions)}.{option} {problem}", option);

        _ = ServerAddress.ParseList(options.Servers, out var error);
        if (error is not null)
        {
            Fail(nameof(options.Servers), error);
        }

        if (options.KeyPrefix is null)
        {
            Fail(nameof(options.KeyPrefix), "must not be null; use an empty string for no prefix.");
        }

        if (options.TlsServerName is not null && string.IsNullOrWhiteSpace(options.TlsServerName))
        {
            Fail(nameof(options.TlsServerName), "must not be empty or white space; leave it null to check each server's host.");
        }

        if (options.TlsServerName is not null && !options.UseTls)
        {
            Fail(nameof(options.TlsServerName), $"is set but TLS is off: set {nameof(options.UseTls)} to true.");
        }

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

            if (!options.UseTls)
            {
                Fail(nameof(options.CaCertificatePath), $"is set but TLS is off: set {nameof(options.UseTls)} to true.");
            }
        }

        if (options.Username is { } user && (user.Length == 0 || user.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
        {
            Fail(nameof(options.Username), "must be a word without spaces or control characters (memcached's auth file is user:password lines).");
        }

        if ((options.Username is null) != (options.Password is null))
        {
            Fail(options.Username is null ? nameof(options.Username) : nameof(options.Password), $"must be set with {(options.Username is null ? nameof(options.Password) : nameof(options.Username))}.");
        }

        if (options.Password is { } password && (password.Length == 0 || password.Any(c => c is '\r' or '\n')))
        {
            // The message never shows the password.
            Fail(nameof(options.Password), "must not be empty or hold a line break.");
        }

        CheckPositive(nameof(options.ConnectTimeout), options.ConnectTimeout);
        CheckPositive(nameof(options.OperationTimeout), options.OperationTimeout);
        CheckPositive(nameof(options.ServerRetryInterval), options.ServerRetryInterval);
        CheckPositive(nameof(options.MaxServerRetryInterval), options.MaxServerRetryInterval);
        if (options.MaxServerRetryInterval < options.ServerRetryInterval)
        {
            Fail(nameof(options.MaxServerRetryInterval), $"is {options.MaxServerRetryInterval}, shorter than {nameof(options.ServerRetryInterval)} ({options.ServerRetryInterval}).");
        }

        if (options.MaxConnectionsPerServer is < 1 or > 1024)
        {
            Fail(nameof(options.MaxConnectionsPerServer), $"is {options.MaxConnectionsPerServer}; it must be from 1 to 1024.");
        }

        return builder.Build();

        void CheckPositive(string option, TimeSpan value)
        {
            if (value <= TimeSpan.Zero || value > TimeSpan.FromDays(1))
            {
                Fail(option, $"is {value}; it must be more than zero and at most a day.");
            }
        }
    }
}
