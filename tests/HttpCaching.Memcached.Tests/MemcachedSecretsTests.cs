using System.Net;
using HttpCaching.Memcached.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;

namespace HttpCaching.Memcached.Tests;

/// <summary>
/// Authentication and TLS gone wrong: a wrong password, missing credentials, TLS missing at either end, an untrusted
/// certificate. Each is a clear store failure that names what to fix, requests still succeed from the origin, and the
/// password appears in no log.
/// </summary>
public sealed class MemcachedSecretsTests(MemcachedServerFixture fixture) : IAsyncDisposable
{
    private readonly MemcachedStores _stores = new();
    private MemcachedApp? _app;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WrongPassword_StoreFailsClearly_RequestsSucceedFromTheOrigin()
    {
        var server = fixture.Authenticated;
        const string wrong = "not-the-password-0123456789";
        _app = MemcachedApp.Start(o =>
        {
            o.Servers = server.Endpoint;
            o.Username = MemcachedServer.User;
            o.Password = wrong;
        });

        var first = await _app.GetAsync("items/1");
        var second = await _app.GetAsync("items/1");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.Status, second.Status));
        Assert.True(first.StoreFailed, first.CacheStatus);
        Assert.Equal(first.Body, second.Body);
        var refused = Assert.Single(_app.StoreLogs(MemcachedHttpCacheDiagnostics.AuthenticationFailedEventId));
        Assert.Contains($"refused user '{MemcachedServer.User}'", refused.Message, StringComparison.Ordinal);
        _app.AssertLogsHoldNone(wrong, server.Password);

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => _app.Store.GetAsync("x", Ct));
        Assert.Contains(ex.Failure, new[] { MemcachedStoreFailure.Authentication, MemcachedStoreFailure.Connection });
        Assert.DoesNotContain(wrong, ex.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RightPassword_ThroughTheHandler_Cached()
    {
        var server = fixture.Authenticated;
        _app = MemcachedApp.Start(o =>
        {
            o.Servers = server.Endpoint;
            o.Username = MemcachedServer.User;
            o.Password = server.Password;
        });

        Assert.True((await _app.GetAsync("items/auth-ok")).IsStored);
        Assert.True((await _app.GetAsync("items/auth-ok")).IsHit);
        _app.AssertLogsHoldNone(server.Password);
    }

    [Fact]
    public async Task NoCredentials_ServerWantsThem_AuthenticationFailureSaysSo()
    {
        var server = fixture.Authenticated;
        var store = _stores.Create(o => o.Servers = server.Endpoint);

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("k", Ct));

        Assert.Equal(MemcachedStoreFailure.Authentication, ex.Failure);
        Assert.Contains("requires authentication (-Y)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Credentials_ServerWithoutAuthentication_NeverSendsThePassword()
    {
        var store = _stores.Create(o =>
        {
            o.Servers = fixture.Endpoint;
            o.Username = "someone";
            o.Password = "a-password-that-must-not-be-stored";
        });

        await store.SetAsync("credentials-probe", [1], new DistributedCacheEntryOptions(), Ct);

        // The text-protocol authentication is a "set": sent to a server without -Y it would store the password.
        await using var raw = await RawMemcached.OpenAsync(fixture.Endpoint);
        Assert.Null(await raw.TtlAsync(RawMemcached.Key("auth"), Ct));
        Assert.Equal([1], await store.GetAsync("credentials-probe", Ct));
    }

    [Fact]
    public async Task MissingTls_ServerRequiresIt_ClearFailure_RequestsSucceedFromTheOrigin()
    {
        // A memcached with -Z waits for a TLS handshake and never answers a plain "mn": the connect timeout ends it, on
        // the fake clock, once the test sees it armed.
        var server = fixture.Tls;
        var connectTimeout = TimeSpan.FromMilliseconds(1234);
        var time = new TimerWatchingTimeProvider(new FakeTimeProvider(TestClock.Start));
        _app = MemcachedApp.Start(o =>
        {
            o.Servers = server.Endpoint;
            o.ConnectTimeout = connectTimeout;
        }, time: time);

        var request = _app.GetAsync("items/no-tls");
        await ArmedAsync(time, connectTimeout);
        time.Advance(connectTimeout);
        var reply = await request.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.True(reply.StoreFailed, reply.CacheStatus);
        var down = Assert.Single(_app.StoreLogs(MemcachedHttpCacheDiagnostics.ServerDownEventId));
        Assert.Contains("set UseTls", down.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_ServerWithoutIt_TlsFailure()
    {
        var store = _stores.Create(o =>
        {
            o.Servers = fixture.Endpoint;
            o.UseTls = true;
        });

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("k", Ct));

        Assert.True(ex.Failure is MemcachedStoreFailure.Tls or MemcachedStoreFailure.Connection, ex.Message);
        Assert.Contains("TLS", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_CertificateFromAnotherCa_TlsFailure()
    {
        var server = fixture.Tls;
        var store = _stores.Create(o =>
        {
            o.Servers = server.Endpoint;
            o.UseTls = true;
            o.CaCertificatePath = server.OtherCaCertificatePath;
        });

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("k", Ct));

        Assert.Equal(MemcachedStoreFailure.Tls, ex.Failure);
        Assert.Contains("CaCertificatePath", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tls_NameTheCertificateDoesNotCarry_TlsFailure()
    {
        var server = fixture.Tls;
        var store = _stores.Create(o =>
        {
            o.Servers = server.Endpoint;
            o.UseTls = true;
            o.CaCertificatePath = server.CaCertificatePath;
            o.TlsServerName = "cache.other.example";
        });

        var ex = await Assert.ThrowsAsync<MemcachedStoreException>(() => store.GetAsync("k", Ct));

        Assert.Equal(MemcachedStoreFailure.Tls, ex.Failure);
    }

    [Fact]
    public async Task Tls_ByLocalhostWithTheCa_Works()
    {
        var server = fixture.Tls;
        var store = _stores.Create(o =>
        {
            o.Servers = $"localhost:{server.Port}";
            o.UseTls = true;
            o.CaCertificatePath = server.CaCertificatePath;
        });

        await store.SetAsync("tls-localhost", [7], new DistributedCacheEntryOptions(), Ct);

        Assert.Equal([7], await store.GetAsync("tls-localhost", Ct));
    }

    /// <summary>Waits, bounded, until a timer has been armed with <paramref name="due"/>.</summary>
    private static async Task ArmedAsync(TimerWatchingTimeProvider time, TimeSpan due)
    {
        while (true)
        {
            var next = time.NextArmed;
            if (time.ArmedDueTimes.Contains(due))
            {
                return;
            }

            await next.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        await _stores.DisposeAsync();
    }
}
