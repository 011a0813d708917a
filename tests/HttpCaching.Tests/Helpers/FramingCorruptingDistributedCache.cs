using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Tests.Helpers;

/// <summary>
/// A store in front of a working one that, at random from a seeded source, returns a record cut short or with bytes
/// appended: the damage the record framing is documented to detect (a truncated record counts as a miss).
/// </summary>
public sealed class FramingCorruptingDistributedCache(IDistributedCache inner, int seed) : IDistributedCache
{
    private readonly Random _random = new(seed);
    private readonly Lock _gate = new();
    private int _corruptions;

    public double Rate { get; set; }

    public int Corruptions => Volatile.Read(ref _corruptions);

    public byte[]? Get(string key) => throw new NotSupportedException("The handler uses the asynchronous API.");

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
    {
        var value = await inner.GetAsync(key, token);
        if (value is not { Length: > 0 })
        {
            return value;
        }

        lock (_gate)
        {
            if (_random.NextDouble() >= Rate)
            {
                return value;
            }

            _corruptions++;
            return _random.Next(2) == 0
                ? value[.._random.Next(value.Length)]
                : [.. value, .. Enumerable.Range(0, 1 + _random.Next(8)).Select(_ => (byte)_random.Next(256))];
        }
    }

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => throw new NotSupportedException();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) => inner.SetAsync(key, value, options, token);

    public void Refresh(string key) => throw new NotSupportedException();

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => throw new NotSupportedException();

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);
}
