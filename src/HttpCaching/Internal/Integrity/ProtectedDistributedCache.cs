using System.Collections.Concurrent;
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
/// <param name="time">The clock of <see cref="ReportAgainAfter"/>.</param>
internal sealed partial class ProtectedDistributedCache(
    IDistributedCache inner,
    RecordProtector protector,
    HttpCachingMetrics metrics,
    ILogger logger,
    Func<string, string?> clientOf,
    TimeProvider time) : IDistributedCache
{
    /// <summary>
    /// How long the same refused record under the same key is reported once only: a request reads its key again after
    /// the origin answers, before it writes, and one damaged record is one event.
    /// </summary>
    internal static readonly TimeSpan ReportAgainAfter = TimeSpan.FromMinutes(1);

    /// <summary>The keys last reported (at most <see cref="MostRemembered"/>), with a checksum of the record and when.</summary>
    private readonly ConcurrentDictionary<string, (uint Checksum, long At)> _reported = new(StringComparer.Ordinal);

    private const int MostRemembered = 1024;

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

        if (ReportedAlready(key, record))
        {
            return null;
        }

        var clientName = clientOf(key);
        var reason = Reason(failure);
        metrics.StoreTampered(clientName, reason);
        Log.RecordTampered(logger, clientName ?? "(unknown)", reason);
        return null;
    }

    /// <summary>Whether this very record was refused under this key within <see cref="ReportAgainAfter"/>; remembers it if not.</summary>
    private bool ReportedAlready(string key, byte[] record)
    {
        var checksum = RecordChecksum.Compute(record);
        var now = time.GetTimestamp();
        if (_reported.TryGetValue(key, out var last) && last.Checksum == checksum && time.GetElapsedTime(last.At, now) < ReportAgainAfter)
        {
            return true;
        }

        if (_reported.Count >= MostRemembered)
        {
            _reported.Clear();
        }

        _reported[key] = (checksum, now);
        return false;
    }

    private static string Reason(IntegrityFailure failure) => failure switch
    {
        IntegrityFailure.Unprotected => HttpCachingDiagnostics.IntegrityFailureUnprotected,
        IntegrityFailure.Malformed => HttpCachingDiagnostics.IntegrityFailureMalformed,
        IntegrityFailure.UnknownKey => HttpCachingDiagnostics.IntegrityFailureUnknownKey,
        _ => HttpCachingDiagnostics.IntegrityFailureInvalidTag,
    };
}
