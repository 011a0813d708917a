namespace HttpCaching.Internal;

/// <summary>
/// What one origin request produced, shared by every caller that waited for it. The original response goes to one
/// caller only; the others are served from the snapshot (a <see cref="StoredResponse"/>), each with a response of its own.
/// A result without a snapshot cannot be shared: the other callers send their own request.
/// </summary>
internal sealed class FetchResult
{
    private HttpResponseMessage? _original;

    private FetchResult(HttpResponseMessage? original, StoredResponse? snapshot, string cacheStatus, string outcome, int? failedStatus, string? failureDetail, bool shareable, string[]? varyNames = null, string? variantId = null)
    {
        Shareable = shareable && snapshot is not null;
        VaryNames = varyNames;
        VariantId = variantId;
        _original = original;
        Snapshot = snapshot;
        CacheStatus = cacheStatus;
        Outcome = outcome;
        FailedStatus = failedStatus;
        FailureDetail = failureDetail;
    }

    /// <summary>The response as a snapshot any caller can be served from, or <see langword="null"/>.</summary>
    public StoredResponse? Snapshot { get; }

    /// <summary>This cache's Cache-Status member for the response.</summary>
    public string CacheStatus { get; }

    /// <summary>The <c>httpcaching.outcome</c> of the request.</summary>
    public string Outcome { get; }

    /// <summary>When the origin failed with a status (5xx, 429) or a refused response: that status.</summary>
    public int? FailedStatus { get; }

    /// <summary>When the origin failed: why, as a Cache-Status detail.</summary>
    public string? FailureDetail { get; }

    public bool Failed => FailedStatus is not null;

    /// <summary>
    /// Whether callers that waited for this request may be served from the snapshot: only a response this cache
    /// stored, or could have stored, which they could have been served from the store anyway. An origin error, a
    /// refused response, or one that must not be kept (<c>no-store</c>, <c>private</c>) is the requesting caller's
    /// alone: the others send their own request.
    /// </summary>
    public bool Shareable { get; }

    /// <summary>The fields the response varies on, or <see langword="null"/>; other callers share it only when their
    /// request selects the same <see cref="VariantId"/>.</summary>
    public string[]? VaryNames { get; }

    public string? VariantId { get; }

    /// <summary>A response that was stored, or could have been: callers that waited for it may be served from the snapshot.</summary>
    public static FetchResult Success(HttpResponseMessage? original, StoredResponse? snapshot, string cacheStatus, string outcome, string[]? varyNames = null, string? variantId = null) =>
        new(original, snapshot, cacheStatus, outcome, null, null, shareable: true, varyNames, variantId);

    /// <summary>A response for the requesting caller only (see <see cref="Shareable"/>).</summary>
    public static FetchResult Unshared(HttpResponseMessage? original, StoredResponse? snapshot, string cacheStatus, string outcome) =>
        new(original, snapshot, cacheStatus, outcome, null, null, shareable: false);

    /// <summary>The origin failed (an error status, or a response <c>ValidateResponse</c> refused): for the requesting caller only.</summary>
    public static FetchResult Failure(HttpResponseMessage original, StoredResponse? snapshot, string cacheStatus, int status, string detail) =>
        new(original, snapshot, cacheStatus, HttpCachingDiagnostics.OutcomeMiss, status, detail, shareable: false);

    /// <summary>Takes the original response; only the first caller gets it.</summary>
    public bool TryClaimOriginal(out HttpResponseMessage response)
    {
        response = Interlocked.Exchange(ref _original, null)!;
        return response is not null;
    }

    /// <summary>Disposes the original response if no caller took it.</summary>
    public void ReleaseUnclaimed()
    {
        if (TryClaimOriginal(out var response))
        {
            response.Dispose();
        }
    }
}
