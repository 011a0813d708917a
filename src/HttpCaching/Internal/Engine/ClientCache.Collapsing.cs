namespace HttpCaching.Internal;

internal sealed partial class ClientCache
{
    /// <summary>
    /// How often a request that waits for another instance's fetch looks at the store again. With the backplane on,
    /// the holder's "stored" message wakes it first, and this only covers a lost message.
    /// </summary>
    internal static readonly TimeSpan LeasePollInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc cref="LeasePollInterval"/>
    internal static readonly TimeSpan LeasePollIntervalWithBackplane = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Whether a request of this client went out with <c>Authorization</c> that a handler below the cache added: its
    /// requests are then taken to carry it, and take no lease (another instance's fetch could not serve them).
    /// </summary>
    private bool _authorizationAddedBelow;

    /// <summary>Notes that the chain below the cache adds <c>Authorization</c>, once a request shows it.</summary>
    private void NoteCredentialsBelow(Fetch fetch)
    {
        if (fetch.AuthorizationAddedBelow && !Volatile.Read(ref _authorizationAddedBelow))
        {
            Volatile.Write(ref _authorizationAddedBelow, true);
        }
    }

    /// <summary>
    /// The origin run of the coalesced leader of a request: <see cref="OriginRun"/>, around which, when the store
    /// coordinates instances, a lease in the shared store makes one instance fetch while the others wait (bounded by
    /// <see cref="IHttpCacheCoordinator.LeaseWait"/> and the request's cancellation) for what it stores. Requests whose
    /// responses another instance's fetch could not serve (with <c>Authorization</c>, or <c>no-cache</c>) never take a
    /// lease. With the run comes its time limit: <c>OriginTimeout</c>; for a leased run, the lease wait comes first and
    /// the origin request then has its whole <c>OriginTimeout</c> still (<see cref="BoundedFetchAsync"/>), so the limit
    /// of the run as a whole adds the wait and the store calls around it.
    /// </summary>
    private (Func<CancellationToken, Task<FetchResult>> Run, TimeSpan Limit) CollapsedRun(Fetch fetch, HttpRequestMessage request)
    {
        var originTimeout = fetch.Options.OriginTimeout;
        if (fetch.Store.Shared.Coordination is not { Leases: true } coordination
            || fetch.HasAuthorization
            || Volatile.Read(ref _authorizationAddedBelow)
            || fetch.RequestDirectives.Has(CacheControlFlags.NoCache))
        {
            return (OriginRun(fetch, request), originTimeout);
        }

        // The wait, then the store calls around it (the lease, reads of what another instance stored, the release: ten
        // at most, an unlimited one counted as 30 s) and the origin request: a day at most, as each part is bounded far
        // below it.
        var storeTimeout = fetch.Options.StoreTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(30) : fetch.Options.StoreTimeout;
        var limit = originTimeout == Timeout.InfiniteTimeSpan
            ? Timeout.InfiniteTimeSpan
            : TimeSpan.FromTicks(Math.Min(
                TimeSpan.TicksPerDay,
                originTimeout.Ticks + Math.Min(coordination.LeaseWait.Ticks, TimeSpan.TicksPerDay) + (10 * Math.Min(storeTimeout.Ticks, TimeSpan.TicksPerHour))));
        return (cancellationToken => LeasedFetchAsync(coordination, fetch, CopyForOrigin(request), cancellationToken), limit);
    }

    /// <summary>
    /// <see cref="FetchAsync"/> within <c>OriginTimeout</c> of its own, counted from now: after a lease wait, the run's
    /// limit is longer than that.
    /// </summary>
    private async Task<FetchResult> BoundedFetchAsync(Fetch fetch, HttpRequestMessage originRequest, CancellationToken cancellationToken)
    {
        var limit = fetch.Options.OriginTimeout;
        if (limit == Timeout.InfiniteTimeSpan)
        {
            return await FetchAsync(fetch, originRequest, cancellationToken).ConfigureAwait(false);
        }

        using var timeout = new CancellationTokenSource(limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            return await FetchAsync(fetch, originRequest, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TaskCanceledException($"The origin request was given up after the cache's OriginTimeout of {limit}.", new TimeoutException());
        }
    }

    /// <summary>
    /// Takes the URL's lease and fetches, or waits for the instance that holds it: woken by its "stored" message or a
    /// poll, it serves what that instance stored; it takes the lease itself when the holder let it go (or it expired);
    /// and it fetches on its own once the wait is over. A lease the store cannot grant (down, slow) means fetching at
    /// once. Having the lease, it reads the store once more first, whether it waited or not: the holder it waited for
    /// may have stored the response just before letting the lease go, and a request whose read came before another
    /// instance's store and whose attempt comes after that one's release (a loaded machine, a slow scheduler) would
    /// otherwise ask the origin once more. That read costs every cold miss one store round trip.
    /// </summary>
    private async Task<FetchResult> LeasedFetchAsync(StoreCoordination coordination, Fetch fetch, HttpRequestMessage originRequest, CancellationToken cancellationToken)
    {
        var leaseKey = string.Concat(fetch.Options.KeyPrefix, _clientName, ":l:", fetch.RequestHash);
        var deadline = _time.GetUtcNow() + coordination.LeaseWait;
        var poll = coordination.Backplane ? LeasePollIntervalWithBackplane : LeasePollInterval;
        var handedOver = false;
        Task? changed = null;
        try
        {
            while (true)
            {
                changed = coordination.Watch(fetch.PrimaryKey);
                var (lease, held) = await coordination.TryAcquireAsync(leaseKey, fetch.Options.StoreTimeout, cancellationToken).ConfigureAwait(false);
                if (lease is not null)
                {
                    FetchResult? result = null;
                    try
                    {
                        if (await StoredSinceReadAsync(fetch, originRequest, cancellationToken).ConfigureAwait(false) is { } stored)
                        {
                            return stored;
                        }

                        handedOver = true;
                        return result = await BoundedFetchAsync(fetch, originRequest, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        await coordination.ReleaseAsync(lease, fetch.Options.StoreTimeout).ConfigureAwait(false);
                        if (handedOver && !WroteEntry(result))
                        {
                            // The fetch put nothing new in the store (not storable, a failure, a write that did not go
                            // through): the instances waiting for it are woken now, to take the lease and ask for
                            // themselves, instead of at their next poll. A write sent its own message already; a response
                            // found stored after the wait changed nothing, and wakes no one.
                            coordination.Woken(fetch.PrimaryKey);
                        }
                    }
                }

                var left = deadline - _time.GetUtcNow();
                if (!held || left <= TimeSpan.Zero)
                {
                    if (held)
                    {
                        Log.LeaseWaitEnded(_logger, _clientName, new LoggedUri(fetch.Uri), coordination.LeaseWait);
                    }

                    handedOver = true;
                    return await BoundedFetchAsync(fetch, originRequest, cancellationToken).ConfigureAwait(false);
                }

                if (!changed.IsCompleted)
                {
                    await coordination.WaitForChangeAsync(fetch.PrimaryKey, left < poll ? left : poll, cancellationToken).ConfigureAwait(false);
                }
                if (await StoredSinceReadAsync(fetch, originRequest, cancellationToken).ConfigureAwait(false) is { } fetched)
                {
                    Log.CollapsedAcrossInstances(_logger, _clientName, new LoggedUri(fetch.Uri));
                    return fetched;
                }
            }
        }
        finally
        {
            coordination.Unwatch(fetch.PrimaryKey, changed);
            if (!handedOver)
            {
                // FetchAsync disposes the request it is given; one it never got is disposed here.
                originRequest.Dispose();
            }
        }
    }

    /// <summary>
    /// A response another instance stored after this request read the store, that serves this request as it is (fresh
    /// for its directives); <see langword="null"/> otherwise. The records read are kept in the near cache as any read's.
    /// </summary>
    private async Task<FetchResult?> StoredSinceReadAsync(Fetch fetch, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var keys = Keys.Get(fetch.Uri, fetch.Options.KeyPrefix);
        var (found, _, vary, _) = await ReadAsync(fetch.Store, keys, request, budget: null, cancellationToken).ConfigureAwait(false);
        if (found is not { Entry: var entry } response
            || (fetch.Stored is { Entry: var read } && entry.ResponseTime <= read.ResponseTime))
        {
            return null;
        }

        // The variant this request selects: callers that joined it (on the URL's key, before any Vary was known) are
        // served it only when they select the same one.
        var reuse = Freshness.Evaluate(entry, entry.CurrentAge(_time.GetUtcNow()), fetch.Options, fetch.RequestDirectives);
        return reuse.Usable && !reuse.Stale
            ? FetchResult.Success(null, response, CacheStatus.Hit(reuse.TimeToLive, reuse.ByFloor), HttpCachingDiagnostics.OutcomeHit, vary?.Names, vary is null ? null : Variants.Id(vary.Names, request))
            : null;
    }

    /// <summary>Whether a fetch wrote the URL's entry record, which told the other instances itself.</summary>
    private static bool WroteEntry(FetchResult? result) =>
        result is { Failed: false }
        && (result.Outcome == HttpCachingDiagnostics.OutcomeRevalidated || result.CacheStatus.Contains("; stored", StringComparison.Ordinal));
}
