using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;

namespace HttpCaching.Internal;

/// <summary>
/// Protects every record on its way into a store and checks it on its way out, below the <see cref="GuardedStore"/>,
/// so the handler never sees the envelope. A record that fails the check reads as absent (a miss), is never served,
/// and is reported as a security event and in <c>httpcaching.store.tampered</c>. Store keys, records and keys are
/// never logged.
/// </summary>
/// <param name="inner">The application's store.</param>
/// <param name="protector">Seals and opens the records.</param>
/// <param name="metrics">Counts refused records.</param>
/// <param name="logger">Receives the security events.</param>
/// <param name="clientOf">The client a store key belongs to, if it can be told; used for telemetry only.</param>
internal sealed partial class ProtectedDistributedCache(
    IDistributedCache inner,
    RecordProtector protector,
    HttpCachingMetrics metrics,
    ILogger logger,
    Func<string, string?> clientOf) : IDistributedCache
{
    public byte[]? Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Open(key, inner.Get(key));
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Open(key, await inner.GetAsync(key, token).ConfigureAwait(false));
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        inner.Set(key, protector.Protect(key, value), options);
    }

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        return inner.SetAsync(key, protector.Protect(key, value), options, token);
    }

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

    private byte[]? Open(string key, byte[]? record)
    {
        if (record is null)
        {
            return null;
        }

        var failure = protector.TryUnprotect(key, record, out var payload);
        if (failure == IntegrityFailure.None)
        {
            return payload;
        }

        var clientName = clientOf(key);
        var reason = Reason(failure);
        metrics.StoreTampered(clientName, reason);
        Log.RecordTampered(logger, clientName ?? "(unknown)", reason);
        return null;
    }

    private static string Reason(IntegrityFailure failure) => failure switch
    {
        IntegrityFailure.Unprotected => HttpCachingDiagnostics.IntegrityFailureUnprotected,
        IntegrityFailure.Malformed => HttpCachingDiagnostics.IntegrityFailureMalformed,
        IntegrityFailure.UnknownKey => HttpCachingDiagnostics.IntegrityFailureUnknownKey,
        _ => HttpCachingDiagnostics.IntegrityFailureInvalidTag,
    };
}
