using System.Net.Security;

namespace HttpCaching.Memcached.Internal;

/// <summary>What every connection of a store needs, read once from the options.</summary>
internal sealed record ConnectionSettings(
    bool UseTls,
    string? TlsServerName,
    RemoteCertificateValidationCallback? CertificateValidation,
    string? Username,
    string? Password,
    TimeSpan ConnectTimeout);
