using System.Diagnostics.Metrics;

namespace HttpCaching.Internal;

/// <summary>The library's instruments, created once per service provider on the <c>HttpCaching</c> meter.</summary>
internal sealed class HttpCachingMetrics
{
    private readonly Counter<long> _requests;
    private readonly Counter<long> _cacheBytes;
    private readonly Counter<long> _originBytes;
    private readonly Counter<long> _storeErrors;
    private readonly Counter<long> _storeTampered;

    public HttpCachingMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(HttpCachingDiagnostics.MeterName) ?? new Meter(HttpCachingDiagnostics.MeterName);
        _requests = meter.CreateCounter<long>(HttpCachingDiagnostics.RequestsInstrument, "{request}", "Requests handled by the caching handler, by outcome.");
        _cacheBytes = meter.CreateCounter<long>(HttpCachingDiagnostics.CacheBytesInstrument, "By", "Response body bytes served from the cache.");
        _originBytes = meter.CreateCounter<long>(HttpCachingDiagnostics.OriginBytesInstrument, "By", "Response body bytes received from the origin.");
        _storeErrors = meter.CreateCounter<long>(HttpCachingDiagnostics.StoreErrorsInstrument, "{error}", "Store operations that failed.");
        _storeTampered = meter.CreateCounter<long>(HttpCachingDiagnostics.StoreTamperedInstrument, "{record}", "Stored records refused by the integrity check.");
    }

    public void Request(string clientName, string outcome) =>
        _requests.Add(1, new(HttpCachingDiagnostics.ClientNameTag, clientName), new(HttpCachingDiagnostics.OutcomeTag, outcome));

    public void CacheBytes(string clientName, long bytes)
    {
        if (bytes > 0)
        {
            _cacheBytes.Add(bytes, new KeyValuePair<string, object?>(HttpCachingDiagnostics.ClientNameTag, clientName));
        }
    }

    public void OriginBytes(string clientName, long bytes)
    {
        if (bytes > 0)
        {
            _originBytes.Add(bytes, new KeyValuePair<string, object?>(HttpCachingDiagnostics.ClientNameTag, clientName));
        }
    }

    public void StoreError(string clientName, string operation) =>
        _storeErrors.Add(1, new(HttpCachingDiagnostics.ClientNameTag, clientName), new(HttpCachingDiagnostics.StoreOperationTag, operation));

    public void StoreTampered(string? clientName, string failure)
    {
        var reason = new KeyValuePair<string, object?>(HttpCachingDiagnostics.IntegrityFailureTag, failure);
        if (clientName is null)
        {
            _storeTampered.Add(1, reason);
        }
        else
        {
            _storeTampered.Add(1, new(HttpCachingDiagnostics.ClientNameTag, clientName), reason);
        }
    }
}
