using HttpCaching.Memcached.Internal;

namespace HttpCaching.Memcached.Tests.Helpers;

/// <summary>A connection of the test's own to a plain memcached, past the store, for checks on what the server holds.</summary>
internal static class RawMemcached
{
    private static readonly ConnectionSettings Plain = new(false, null, null, null, null, TimeSpan.FromSeconds(10));

    public static Task<MemcachedConnection> OpenAsync(string endpoint)
    {
        Assert.True(ServerAddress.TryParse(endpoint, out var address));
        return MemcachedConnection.OpenAsync(address, Plain, 0, TestContext.Current.CancellationToken);
    }

    /// <summary>The key on the wire for a store with <paramref name="prefix"/>.</summary>
    public static byte[] Key(string key, string prefix = "") => KeyEncoder.Encode(KeyEncoder.Raw(prefix, key));
}
