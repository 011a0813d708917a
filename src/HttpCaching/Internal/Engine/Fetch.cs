namespace HttpCaching.Internal;

/// <summary>
/// Everything one origin request needs, captured when the request is made: the client's options and store tier as
/// they were then, the request's keys and directives, what it read from the store, and the chain it goes out on.
/// </summary>
internal sealed class Fetch(
    ThirdPartyCachingOptions options,
    TieredStore store,
    InnerSend inner,
    Uri uri,
    string requestHash,
    string primaryKey,
    string entryKey,
    CacheControl requestDirectives,
    bool hasAuthorization,
    bool hasCredentials,
    StoredResponse? stored,
    string fwd)
{
    public ThirdPartyCachingOptions Options => options;

    public TieredStore Store => store;

    /// <summary>The chain below the handler of the caller that made the request, which its origin requests go out on.</summary>
    public InnerSend Inner => inner;

    public Uri Uri => uri;

    public string RequestHash => requestHash;

    /// <summary>The URL's entry key: where its entry or Vary record lives.</summary>
    public string PrimaryKey => primaryKey;

    /// <summary>
    /// The key of the stored entry this request read (a variant's, when the response varies): concurrent requests
    /// with the same key share one origin request.
    /// </summary>
    public string EntryKey => entryKey;

    public CacheControl RequestDirectives => requestDirectives;

    /// <summary>The stored response the request read, to validate or to fall back on; <see langword="null"/> on a miss.</summary>
    public StoredResponse? Stored => stored;

    /// <summary>The Cache-Status <c>fwd</c> reason of the request.</summary>
    public string Fwd => fwd;

    /// <summary>
    /// Whether this is a background revalidation (stale-while-revalidate), which records the origin's Retry-After but no
    /// back-off of its own.
    /// </summary>
    public bool Background { get; set; }

    /// <summary>
    /// What the requesting caller may still wait on the store; <see langword="null"/> when no caller waits (a
    /// background revalidation), so each call has the full store timeout.
    /// </summary>
    public StoreBudget? Budget { get; set; }

    /// <summary>The Vary record the request read for the URL, if any: a new variant keeps its generation.</summary>
    public VaryRecord? ReadVary { get; init; }

    /// <summary>
    /// Whether the request's read of the store was clean: no record it read was damaged. Not when a record was damaged:
    /// then its response is written without reading the store again (the write replaces the damaged record, reported
    /// once). A store that failed or did not answer is read again before the write, within the request's store budget:
    /// another instance may have stored a newer version meanwhile.
    /// </summary>
    public bool ReadClean { get; init; } = true;

    /// <summary>
    /// The number of this instance's latest invalidation when the request started (<see cref="RecentInvalidations"/>):
    /// a response to a URL invalidated after it is not stored.
    /// </summary>
    public long InvalidationsSeen { get; init; }

    /// <summary>
    /// The number of the latest change other instances announced when the request started
    /// (<see cref="StoreCoordination.Changes"/>): a cold miss that finds nothing stored when it is about to write, after
    /// a later one for its URL, is not stored.
    /// </summary>
    public long ChangesSeen { get; init; }

    /// <summary>
    /// The number of the latest invalidation other instances announced when the request started
    /// (<see cref="StoreCoordination.Invalidations"/>): a response to a URL invalidated after it is not stored, and one
    /// written while the message came is removed again.
    /// </summary>
    public long InvalidationsElsewhereSeen { get; init; }

    /// <summary>Whether the request found a back-off record for the URL, which a successful origin response removes.</summary>
    public bool BackoffSeen { get; set; }

    /// <summary>The key of the URL's back-off record.</summary>
    public string BackoffKey => CacheKeyBuilder.BackoffKey(options.KeyPrefix, store.ClientName, requestHash);

    private bool _authorizationSent;
    private bool _cookieSent;

    /// <summary>
    /// Whether the request carried <c>Authorization</c>, which limits what a shared cache may store: the caller's, or
    /// one a handler below the cache added to a request it sent (<see cref="Sent"/>).
    /// </summary>
    public bool HasAuthorization => hasAuthorization || Volatile.Read(ref _authorizationSent);

    /// <summary>
    /// Whether the request carried <c>Authorization</c> or <c>Cookie</c> (the caller's, or added below the cache): its
    /// response may be personal, so the freshness floor never extends it.
    /// </summary>
    public bool HasCredentials => hasCredentials || Volatile.Read(ref _authorizationSent) || Volatile.Read(ref _cookieSent);

    /// <summary>Whether the request went out with <c>Authorization</c> that the caller's request did not carry.</summary>
    public bool AuthorizationAddedBelow => !hasAuthorization && Volatile.Read(ref _authorizationSent);

    /// <summary>
    /// Notes the credentials of a request as it went out, once the chain below the cache has sent it: a handler there
    /// (a token handler, an authenticating primary handler) may have added <c>Authorization</c> or <c>Cookie</c>, and
    /// RFC 9111 §3.5 is about the request the origin answered, not the one the caller made. A handler below may also
    /// have sent a copy of the request (hedging sends a clone per attempt), with credentials added to the copy: the
    /// request the response names (<see cref="HttpResponseMessage.RequestMessage"/>) counts too.
    /// </summary>
    public void Sent(HttpRequestMessage request, HttpResponseMessage response)
    {
        Note(request);
        if (response.RequestMessage is { } answered && !ReferenceEquals(answered, request))
        {
            Note(answered);
        }
    }

    private void Note(HttpRequestMessage request)
    {
        var headers = request.Headers.NonValidated;
        if (headers.Contains("Authorization"))
        {
            Volatile.Write(ref _authorizationSent, true);
        }

        if (headers.Contains("Cookie"))
        {
            Volatile.Write(ref _cookieSent, true);
        }
    }
}
