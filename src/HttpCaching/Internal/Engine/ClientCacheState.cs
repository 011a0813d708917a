namespace HttpCaching.Internal;

/// <summary>
/// The state of one cached client that must outlive its handlers: <c>IHttpClientFactory</c> rebuilds handlers every
/// handler lifetime, so anything a handler field held (the last valid options, the memoised store tier, the key
/// cache) would be lost at each rotation. One instance per client name, created when the client is registered.
/// </summary>
internal sealed class ClientCacheState(string name, TimeProvider time)
{
    private ThirdPartyCachingOptions? _lastValidOptions;
    private TieredStore? _tier;

    /// <summary>The client's name exactly as registered with <c>IHttpClientFactory</c>.</summary>
    public string Name => name;

    /// <summary>Limits repeated warnings about one URL to one per interval.</summary>
    public LogThrottle LogThrottle { get; } = new(time);

    /// <summary>The store keys of the client's recently requested URIs.</summary>
    public RequestKeyCache Keys { get; } = new(name);

    /// <summary>The options that last passed validation, kept so that an invalid reload never turns caching off.</summary>
    public ThirdPartyCachingOptions? LastValidOptions
    {
        get => Volatile.Read(ref _lastValidOptions);
        set => Volatile.Write(ref _lastValidOptions, value);
    }

    /// <summary>
    /// The client's store for these options: the near cache (unless the store is in process) over the guarded store.
    /// Built once and rebuilt only when the options or the store change.
    /// </summary>
    public TieredStore Tier(ThirdPartyCachingOptions options, CacheStoreProvider stores, NearCaches nearCaches)
    {
        var shared = stores.Get(options.StoreServiceKey);
        var tier = Volatile.Read(ref _tier);
        if (tier is not null && ReferenceEquals(tier.Options, options) && ReferenceEquals(tier.Shared, shared))
        {
            return tier;
        }

        var near = shared.InProcess ? null : nearCaches.For(name, options);
        tier = new TieredStore(shared, near, name, options);
        Volatile.Write(ref _tier, tier);
        return tier;
    }

    /// <summary>
    /// RFC 9111 §4.4 and <see cref="IThirdPartyCacheInvalidator"/>: makes the stored responses for <paramref name="uri"/>
    /// unusable by removing its per-URL entry (or Vary) record, from the near cache and the store. When
    /// <paramref name="reportRemoved"/> is set, the record is read first so the result says whether anything was
    /// there to remove; otherwise the result only says whether the store took the removal.
    /// </summary>
    public async ValueTask<bool> InvalidateAsync(TieredStore store, Uri uri, bool reportRemoved, CancellationToken cancellationToken)
    {
        var keys = Keys.Get(uri, store.Options.KeyPrefix);
        if (reportRemoved)
        {
            var (record, _) = await store.GetAsync(keys.EntryKey, cancellationToken).ConfigureAwait(false);
            if (record is null)
            {
                return false;
            }
        }

        return await store.RemoveAsync(keys.EntryKey, cancellationToken).ConfigureAwait(false);
    }
}
