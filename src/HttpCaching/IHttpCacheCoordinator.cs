namespace HttpCaching;

/// <summary>
/// Lets the application instances that share a store act as one cache: a backplane that tells the other instances
/// when a record changed, so they drop their near-cache copy at once instead of after <c>NearCacheEntryDuration</c>,
/// and short leases in the shared store, so that one instance asks the origin for a URL none of them holds while the
/// others wait a bounded time for what it stores.
/// </summary>
/// <remarks>
/// <para>
/// A shared store package (Redis, PostgreSQL) registers its coordinator under the same service key as its
/// <see cref="Microsoft.Extensions.Caching.Distributed.IDistributedCache"/> (or unkeyed, next to the application's
/// cache); the caching handler resolves it next to the store. A store without one, the in-memory default among them,
/// behaves as a single instance does.
/// </para>
/// <para>
/// The caching handler never fails a request because of the coordinator: a call that throws or does not answer within
/// the client's store timeout is logged (rate-limited) and the request goes on as it would without coordination. The
/// messages the handler publishes carry an instance id and store keys, whose URL part is already a hash; never a URL,
/// a query string or a header. Implementations must be thread-safe.
/// </para>
/// </remarks>
public interface IHttpCacheCoordinator
{
    /// <summary>Gets a value indicating whether this coordinator carries messages between instances.</summary>
    /// <value>When <see langword="false"/>, the handler never publishes nor subscribes, and near-cache copies live out their window.</value>
    bool BackplaneEnabled { get; }

    /// <summary>Gets a value indicating whether this coordinator grants leases, so one instance fetches a URL for all.</summary>
    /// <value>When <see langword="false"/>, the handler never asks for a lease, and each instance fetches on its own.</value>
    bool CollapseAcrossInstances { get; }

    /// <summary>
    /// Gets how long an instance waits for the instance that holds a URL's lease to store the response, before it asks
    /// the origin itself. The request's own cancellation can end the wait sooner.
    /// </summary>
    /// <value>A duration of zero or more.</value>
    TimeSpan LeaseWait { get; }

    /// <summary>
    /// Publishes <paramref name="message"/> to every instance subscribed through the same store, this one included
    /// (the handler recognises and ignores its own). Delivery is best effort: a message lost while a subscriber is
    /// reconnecting costs that instance at most its near-cache window.
    /// </summary>
    /// <param name="message">The handler's message: an instance id and a store key. It is opaque to the coordinator.</param>
    /// <param name="cancellationToken">Cancels the publication.</param>
    /// <returns>A task that completes when the message has been handed to the store.</returns>
    ValueTask PublishAsync(string message, CancellationToken cancellationToken);

    /// <summary>
    /// Subscribes to the messages published through the same store. The coordinator keeps the subscription alive
    /// (reconnecting and resubscribing by itself) until the returned object is disposed.
    /// </summary>
    /// <param name="onMessage">Called with each message received, on any thread; it returns quickly and does not throw.</param>
    /// <returns>Disposing it ends the subscription.</returns>
    IDisposable Subscribe(Action<string> onMessage);

    /// <summary>
    /// Tries to take the lease of <paramref name="key"/> in the shared store, for the coordinator's lease duration. A
    /// lease whose holder never releases it (the process died) expires after that duration.
    /// </summary>
    /// <param name="key">The store key of the lease (it starts with the client's key prefix and carries no URL).</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>
    /// The lease, which disposing releases (only if it is still this holder's); or <see langword="null"/> when another
    /// holder has it. The call throws when the store cannot say, and the handler then fetches at once.
    /// </returns>
    ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken);
}
