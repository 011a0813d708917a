using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// A store that misbehaves on purpose, in front of a working one: it throws, hangs (until cancelled or forever),
/// corrupts the bytes it returns, drops writes and evicts at random, each with its own probability, from a seeded
/// random source so runs repeat.
/// </summary>
public sealed class ChaosDistributedCache(IDistributedCache inner, int seed) : IDistributedCache
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private TaskCompletionSource _hangStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public double ThrowRate { get; set; }

    public double HangRate { get; set; }

    public double CorruptRate { get; set; }

    public double DropWriteRate { get; set; }

    public double EvictRate { get; set; }

    public int Hangs { get; private set; }

    public int Throws { get; private set; }

    public int Corruptions { get; private set; }

    /// <summary>Completes when the next call starts to hang.</summary>
    public Task NextHang
    {
        get
        {
            lock (_gate)
            {
                return _hangStarted.Task;
            }
        }
    }

    public byte[]? Get(string key) => throw new NotSupportedException("The handler uses the asynchronous API.");

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        await Misbehave(token);
        if (Roll(EvictRate))
        {
            await inner.RemoveAsync(key, token);
        }

        var value = await inner.GetAsync(key, token);
        if (value is { Length: > 0 } && Roll(CorruptRate))
        {
            lock (_gate)
            {
                Corruptions++;
                var corrupt = value.ToArray();
                switch (_random.Next(3))
                {
                    case 0:
                        corrupt[_random.Next(corrupt.Length)] ^= (byte)(1 + _random.Next(255));
                        return corrupt;
                    case 1:
                        return corrupt[..(_random.Next(corrupt.Length))];
                    default:
                        return [.. corrupt, (byte)_random.Next(256)];
                }
            }
        }

        return value;
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

    public async Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
    {
        await Misbehave(token);
        if (!Roll(DropWriteRate))
        {
            await inner.SetAsync(key, value, options, token);
        }
    }

    public void Refresh(string key) => throw new NotSupportedException();

    public async Task RefreshAsync(string key, CancellationToken token = default)
    {
        await Misbehave(token);
        await inner.RefreshAsync(key, token);
    }

    public void Remove(string key) => throw new NotSupportedException();

    public async Task RemoveAsync(string key, CancellationToken token = default)
    {
        await Misbehave(token);
        await inner.RemoveAsync(key, token);
    }

    private async Task Misbehave(CancellationToken token)
    {
        if (Roll(ThrowRate))
        {
            lock (_gate)
            {
                Throws++;
            }

            throw new InvalidOperationException("Chaos: the store failed.");
        }

        if (Roll(HangRate))
        {
            TaskCompletionSource started;
            lock (_gate)
            {
                Hangs++;
                started = _hangStarted;
                _hangStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            started.TrySetResult();

            // Hang until the caller gives up (if it ever does).
            await Task.Delay(Timeout.Infinite, token);
        }
    }

    private bool Roll(double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        lock (_gate)
        {
            return _random.NextDouble() < rate;
        }
    }
}
