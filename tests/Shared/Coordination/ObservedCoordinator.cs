using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace HttpCaching.Testing;

/// <summary>
/// A store package's own <see cref="IHttpCacheCoordinator"/> with what its backplane delivers made visible: the
/// handler subscribes through it, and every message the subscription delivers is handed to the handler first and then
/// to the test. Put in place of the package's registration by <see cref="ObserveCoordinator"/>, so the store package
/// needs no member for tests.
/// </summary>
/// <remarks>
/// Messages this instance published itself (the backplane delivers them to their publisher too, and the handler
/// ignores them) are told apart by their text, which carries the instance's id: no two instances publish the same.
/// </remarks>
public sealed class ObservedCoordinator(IHttpCacheCoordinator inner) : IHttpCacheCoordinator, IAsyncDisposable, IDisposable
{
    private readonly ConcurrentDictionary<string, int> _published = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<(Func<string, bool> Matches, TaskCompletionSource Heard)> _listeners = [];

    /// <summary>The package's coordinator.</summary>
    public IHttpCacheCoordinator Inner => inner;

    public bool BackplaneEnabled => inner.BackplaneEnabled;

    public bool CollapseAcrossInstances => inner.CollapseAcrossInstances;

    public TimeSpan LeaseWait => inner.LeaseWait;

    /// <summary>
    /// Replaces the registration of the <see cref="IHttpCacheCoordinator"/> under <paramref name="serviceKey"/>
    /// (<see langword="null"/> for the application's store) with an <see cref="ObservedCoordinator"/> around the
    /// coordinator it made.
    /// </summary>
    public static IServiceCollection ObserveCoordinator(IServiceCollection services, object? serviceKey)
    {
        var registered = services.Last(d => d.ServiceType == typeof(IHttpCacheCoordinator) && Equals(d.ServiceKey, serviceKey));
        services.Remove(registered);
        if (serviceKey is null)
        {
            var create = registered.ImplementationFactory ?? throw new InvalidOperationException("The coordinator is not registered by a factory.");
            services.AddSingleton<IHttpCacheCoordinator>(sp => new ObservedCoordinator((IHttpCacheCoordinator)create(sp)));
        }
        else
        {
            var create = registered.KeyedImplementationFactory ?? throw new InvalidOperationException("The coordinator is not registered by a factory.");
            services.AddKeyedSingleton<IHttpCacheCoordinator>(serviceKey, (sp, key) => new ObservedCoordinator((IHttpCacheCoordinator)create(sp, key)));
        }

        return services;
    }

    /// <summary>
    /// Publishes probes from <paramref name="from"/> until this instance's subscription delivers one (its backplane is
    /// connected, or connected again after an outage); fails after <paramref name="limit"/>. The probes are no
    /// message the handler acts on.
    /// </summary>
    public async Task HearsAsync(ObservedCoordinator from, TimeSpan limit, CancellationToken cancellationToken)
    {
        var probe = "probe:" + Guid.NewGuid().ToString("N");
        var heard = Heard(m => m == probe);
        var elapsed = Stopwatch.StartNew();
        while (!heard.IsCompleted)
        {
            Assert.True(elapsed.Elapsed < limit, "The backplane never delivered a probe.");
            try
            {
                await from.Inner.PublishAsync(probe, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The publisher's own connection may still be coming back.
            }

            await Task.WhenAny(heard, Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken));
        }
    }

    /// <summary>
    /// Completes once the handler has been handed a message that another instance published and that ends with
    /// <paramref name="key"/> (the store key of a record it changed).
    /// </summary>
    public Task HeardChangeFromAnother(string key) => Heard(m => m.EndsWith(key, StringComparison.Ordinal));

    public ValueTask PublishAsync(string message, CancellationToken cancellationToken)
    {
        _published.AddOrUpdate(message, 1, static (_, n) => n + 1);
        return inner.PublishAsync(message, cancellationToken);
    }

    public IDisposable Subscribe(Action<string> onMessage) => inner.Subscribe(message =>
    {
        onMessage(message);
        if (!Own(message))
        {
            Delivered(message);
        }
    });

    public ValueTask<IAsyncDisposable?> TryAcquireLeaseAsync(string key, CancellationToken cancellationToken) =>
        inner.TryAcquireLeaseAsync(key, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        switch (inner)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync();
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    public void Dispose() => (inner as IDisposable)?.Dispose();

    private Task Heard(Func<string, bool> matches)
    {
        var heard = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _listeners.Add((matches, heard));
        }

        return heard.Task;
    }

    private bool Own(string message)
    {
        while (_published.TryGetValue(message, out var count))
        {
            if (count == 1 ? _published.TryRemove(new KeyValuePair<string, int>(message, 1)) : _published.TryUpdate(message, count - 1, count))
            {
                return true;
            }
        }

        return false;
    }

    private void Delivered(string message)
    {
        List<TaskCompletionSource> heard = [];
        lock (_gate)
        {
            for (var i = _listeners.Count - 1; i >= 0; i--)
            {
                if (_listeners[i].Matches(message))
                {
                    heard.Add(_listeners[i].Heard);
                    _listeners.RemoveAt(i);
                }
            }
        }

        foreach (var listener in heard)
        {
            listener.TrySetResult();
        }
    }
}
