using System.Globalization;
using System.Net;
using System.Net.Sockets;
using HttpCaching.StackExchangeRedis.Internal;
using HttpCaching.StackExchangeRedis.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Tests;

/// <summary>
/// StackExchange.Redis puts keys into its exceptions; the store's never do, and neither do the logs the caching handler
/// writes about them. Nor does a password reach a log or an error.
/// </summary>
public sealed class RedisSecretsTests : IAsyncDisposable
{
    private const string SecretKey = "httpcaching:user-42:api_key=s3cr3t";

    private readonly RedisStores _stores = new();
    private RedisApp? _app;

    [Fact]
    public async Task NoConnection_StackExchangeRedisNamesTheKey_TheStoreOnlyItsHash()
    {
        var endpoint = ClosedEndpoint();

        // What StackExchange.Redis itself throws, to show what the store has to hide.
        var rawConfiguration = ConfigurationOptions.Parse($"{endpoint},abortConnect=false,connectTimeout=500");
        rawConfiguration.BacklogPolicy = BacklogPolicy.FailFast;
        await using (var raw = await ConnectionMultiplexer.ConnectAsync(rawConfiguration))
        {
            var original = await Assert.ThrowsAnyAsync<RedisException>(() => raw.GetDatabase().HashGetAsync(SecretKey, "data"));
            Assert.Contains(SecretKey, original.ToString() + string.Join(' ', original.Data.Values.Cast<object>()), StringComparison.Ordinal);
        }

        var store = _stores.Create(o => o.Configuration = $"{endpoint},connectTimeout=500");
        var operations = new Func<Task>[]
        {
            () => store.GetAsync(SecretKey, Ct),
            () => store.RefreshAsync(SecretKey, Ct),
            () => store.RemoveAsync(SecretKey, Ct),
            () => store.SetAsync(SecretKey, [1], new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1) }, Ct),
            () => Task.Run(() => store.Get(SecretKey), Ct),
            () => ((IBufferDistributedCache)store).TryGetAsync(SecretKey, new System.Buffers.ArrayBufferWriter<byte>(), Ct).AsTask(),
        };
        foreach (var operation in operations)
        {
            var error = await Assert.ThrowsAsync<RedisStoreException>(operation);
            Assert.Null(error.InnerException);
            Assert.Empty(error.Data);
            Assert.DoesNotContain("user-42", error.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain("s3cr3t", error.ToString(), StringComparison.Ordinal);
            Assert.Contains(KeyHash.Of(SecretKey), error.Message, StringComparison.Ordinal);
            Assert.Equal(RedisStoreFailure.Connection, error.Failure);
            
        }

        _stores.Logs.GetSnapshot().AssertNoneContains(StringComparison.Ordinal, "s3cr3t", "user-42");
    }

    [Fact]
    public async Task HandlerOverAStoreThatIsDown_RequestsSucceed_LogsHoldNeitherKeysNorThePassword()
    {
        var password = "pw-" + Guid.NewGuid().ToString("N");
        var endpoint = ClosedEndpoint();
        _app = RedisApp.Start(
            o => (o.Configuration, o.User, o.Password) = ($"{endpoint},connectTimeout=500", "httpcache", password),
            caching: o => o.StoreTimeout = TimeSpan.FromSeconds(2));

        for (var i = 0; i < 3; i++)
        {
            var reply = await _app.GetAsync($"items/{i}?api_key=s3cr3t");
            Assert.Equal(HttpStatusCode.OK, reply.Status);
        }

        // The handler logged the store's failures, with the store's exception: a hash where the key was.
        var failures = _app.LogsWith("HttpCaching.Store", HttpCachingDiagnostics.CacheStoreFailedEventId);
        Assert.NotEmpty(failures);
        var failure = failures[0];
        Assert.IsType<RedisStoreException>(failure.Exception);
        Assert.Contains("key #", failure.Exception!.Message, StringComparison.Ordinal);
        _app.AssertLogsHoldNone(password, ":e:", ":b:", "s3cr3t");
        Assert.NotEmpty(_app.StoreLogs(RedisHttpCacheDiagnostics.ConnectionFailedEventId));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await _stores.DisposeAsync();
    }

    /// <summary>An endpoint on 127.0.0.1 where nothing listens.</summary>
    private static string ClosedEndpoint()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}");
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
