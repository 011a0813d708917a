namespace HttpCaching.Internal;

/// <summary>
/// A lease the store had not granted when the instance stopped waiting for it (<see cref="StoreCoordination.TryAcquireAsync"/>),
/// and may still grant: the instance fetches as its holder would. Releasing it releases the lease the store granted by
/// then, or, should it come later, as soon as it comes.
/// </summary>
internal sealed class LateLease(StoreCoordination coordination, Task<IAsyncDisposable?> acquiring) : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        if (acquiring.IsCompletedSuccessfully)
        {
            return acquiring.Result is { } lease ? lease.DisposeAsync() : ValueTask.CompletedTask;
        }

        coordination.ReleaseWhenGranted(acquiring);
        return ValueTask.CompletedTask;
    }
}
