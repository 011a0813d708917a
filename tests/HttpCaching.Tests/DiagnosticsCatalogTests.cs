using System.Diagnostics.Metrics;
using System.Net;
using System.Reflection;
using System.Xml.Linq;
using HttpCaching.Internal;
using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using RichardSzalay.MockHttp;

namespace HttpCaching.Tests;

/// <summary>
/// <see cref="HttpCachingDiagnostics"/> lists exactly what the library emits: the instruments the meter publishes, the
/// tags and tag values of the measurements and activities of a scenario that makes every outcome and store result
/// happen, the logger categories its logs come from, and the event ids, names, levels and categories of its
/// <c>[LoggerMessage]</c> definitions, as the XML docs give them.
/// </summary>
public sealed class DiagnosticsCatalogTests
{
    private const string One = "https://api.example.test/one?key=TOPSECRET";
    private const string Two = "https://api.example.test/two?key=TOPSECRET";
    private const string Failing = "https://api.example.test/failing?key=TOPSECRET";
    private const string Refreshed = "https://api.example.test/refreshed?key=TOPSECRET";
    private const string Broken = "https://api.example.test/broken?key=TOPSECRET";
    private const string Hot = "https://api.example.test/hot?key=TOPSECRET";

    private static readonly FieldInfo[] Constants = typeof(HttpCachingDiagnostics)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .ToArray();

    [Fact]
    public void Instruments_TheMeterPublishesExactlyThoseListed()
    {
        var published = new HashSet<string>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == HttpCachingDiagnostics.MeterName)
                {
                    lock (published)
                    {
                        published.Add(instrument.Name);
                    }
                }
            },
        };
        listener.Start();

        _ = new HttpCachingMetrics(null);

        Assert.Equal(Listed(suffix: "Instrument").Order(), published.Order());
    }

    [Fact]
    public async Task Scenario_EveryTagValueAndLoggerCategoryEmittedIsListed_AndEveryListedOneIsEmitted()
    {
        var client = $"catalog-{Guid.NewGuid():N}";
        using var activities = new ActivityRecorder(client);
        var logs = new FakeLogCollector();
        var measurements = await RunScenarioAsync(client, logs);

        // Metrics: every instrument, every outcome and store operation, and nothing unlisted.
        Assert.Equal(Listed(suffix: "Instrument").Order(), measurements.Select(m => m.Instrument).Distinct().Order());
        Assert.Equal(Listed(prefix: "Outcome").Order(), Values(measurements.Select(m => m.Tags), HttpCachingDiagnostics.OutcomeTag).Order());
        Assert.Equal(Listed(prefix: "StoreOperation").Order(), Values(measurements.Select(m => m.Tags), HttpCachingDiagnostics.StoreOperationTag).Order());
        Assert.Subset(Listed(prefix: "IntegrityFailure").ToHashSet(), Values(measurements.Select(m => m.Tags), HttpCachingDiagnostics.IntegrityFailureTag).ToHashSet());

        // Activities: one name, one event name, every forward reason and store result, and nothing unlisted.
        var traced = activities.Stopped;
        Assert.All(traced, a => Assert.Equal(HttpCachingDiagnostics.RequestActivityName, a.OperationName));
        Assert.Equal([HttpCachingDiagnostics.StoreEventName], traced.SelectMany(a => a.Events).Select(e => e.Name).Distinct());
        var activityTags = traced.Select(a => a.TagObjects.ToDictionary(t => t.Key, t => t.Value)).ToArray();
        var eventTags = traced.SelectMany(a => a.Events).Select(e => e.Tags.ToDictionary(t => t.Key, t => t.Value)).ToArray();
        Assert.Equal(Listed(prefix: "Forward").Order(), Values(activityTags, HttpCachingDiagnostics.ForwardReasonTag).Order());
        Assert.Equal(Listed(prefix: "StoreResult").Order(), Values(eventTags, HttpCachingDiagnostics.StoreResultTag).Order());
        Assert.Equal(Listed(prefix: "StoreOperation").Order(), Values(eventTags, HttpCachingDiagnostics.StoreOperationTag).Order());
        Assert.Subset(Listed(prefix: "Outcome").ToHashSet(), Values(activityTags, HttpCachingDiagnostics.OutcomeTag).ToHashSet());
        Assert.Subset(Listed(prefix: "Detail").ToHashSet(), Values(activityTags, HttpCachingDiagnostics.DetailTag).ToHashSet());

        // Tags: each one listed is emitted somewhere, and nothing else is.
        var tagNames = measurements.SelectMany(m => m.Tags.Keys).Concat(activityTags.SelectMany(t => t.Keys)).Concat(eventTags.SelectMany(t => t.Keys)).Distinct();
        Assert.Equal(Listed(suffix: "Tag").Order(), tagNames.Order());

        // Logs: every entry comes from a listed category, the one its event id's docs name; both categories are used.
        var ours = logs.GetSnapshot().Where(e => e.Category?.StartsWith(HttpCachingDiagnostics.CacheName, StringComparison.Ordinal) == true).ToArray();
        var documented = DocumentedEvents().ToDictionary(e => e.Id);
        Assert.Equal(Listed(suffix: "LoggerCategory").Order(), ours.Select(e => e.Category).Distinct().Order());
        Assert.All(ours, e => Assert.Equal(documented[e.Id.Id].Category, e.Category));
        Assert.All(ours, e => Assert.Equal(documented[e.Id.Id].Name, e.Id.Name));
        Assert.All(ours, e => Assert.Equal(documented[e.Id.Id].Level, e.Level));
    }

    [Fact]
    public void EventIds_ListedAreExactlyTheLoggerMessageDefinitions_WithTheDocumentedNameLevelAndCategory()
    {
        var definitions = typeof(HttpCachingDiagnostics).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => (Id: a.EventId, Name: a.EventName ?? string.Empty, a.Level))
            .OrderBy(d => d.Id)
            .ToArray();
        var listed = Constants
            .Where(f => f.Name.EndsWith("EventId", StringComparison.Ordinal))
            .Select(f => (Id: (int)f.GetRawConstantValue()!, Name: f.Name[..^"EventId".Length]))
            .OrderBy(c => c.Id)
            .ToArray();

        Assert.Equal(listed, definitions.Select(d => (d.Id, d.Name)));
        Assert.Equal(definitions.Length, definitions.Select(d => d.Id).Distinct().Count());
        Assert.Equal(
            definitions.Select(d => (d.Id, d.Name, d.Level)),
            DocumentedEvents().OrderBy(e => e.Id).Select(e => (e.Id, e.Name, e.Level)));
    }

    [Fact]
    public void CacheStatusValues_EveryDetailAndForwardReasonTheHandlerBuildsIsListed()
    {
        var details = Enum.GetValues<NotStoredReason>().Where(r => r != NotStoredReason.None).Select(CacheStatus.Detail)
            .Concat([CacheStatus.DetailFloor, CacheStatus.DetailStaleWhileRevalidate, CacheStatus.DetailRetryAfter, CacheStatus.DetailOriginUnreachable, HttpCachingDiagnostics.DetailOnlyIfCached]);
        Assert.Equal(Listed(prefix: "Detail").Order(), details.Order());
        Assert.Equal(
            Listed(prefix: "Forward").Order(),
            new[] { CacheStatus.FwdUriMiss, CacheStatus.FwdStale, CacheStatus.FwdMethod, CacheStatus.FwdBypass, CacheStatus.FwdRequest }.Order());
        Assert.EndsWith("detail=" + HttpCachingDiagnostics.DetailOnlyIfCached, CacheStatus.OnlyIfCached, StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_StoreOperationTagNamesEveryOperation()
    {
        var summary = Summary(nameof(HttpCachingDiagnostics.StoreOperationTag));
        Assert.Contains("StoreOperation…", summary.Value, StringComparison.Ordinal);
        Assert.Equal(4, Listed(prefix: "StoreOperation").Length);
        Assert.Contains(HttpCachingDiagnostics.StoreOperationRemove, Listed(prefix: "StoreOperation"));
    }

    /// <summary>
    /// Requests that make every outcome, forward reason, store operation and store result happen, with integrity on
    /// (a tampered record) and a store whose faults are switched, on the fake clock. Returns every measurement of the
    /// client, collected with a <see cref="MetricCollector{T}"/> per instrument from the harness's own meter factory
    /// (the first test shows the meter publishes no other instrument).
    /// </summary>
    private static async Task<(string Instrument, long Value, Dictionary<string, object?> Tags)[]> RunScenarioAsync(string client, FakeLogCollector logs)
    {
        var clock = new TimerWatchingTimeProvider();
        var inner = new RecordingDistributedCache(clock);
        var store = new ChaosDistributedCache(inner);
        using var harness = new CachingHarness(
            o => o.MinimumFreshness = TimeSpan.Zero,
            IntegrityKeys.Configuration(false, IntegrityKeys.A),
            registerStore: false,
            services: s => s.AddSingleton<TimeProvider>(clock).AddSingleton<IDistributedCache>(store).AddLogging(b => b.AddProvider(new FakeLoggerProvider(logs)).SetMinimumLevel(LogLevel.Trace)),
            clientNames: [client]);
        clock.Attach(harness.Time);
        var collectors = Listed(suffix: "Instrument").Select(harness.Metric).ToArray();
        var origin = harness.Origin;
        origin.When(HttpMethod.Post, "*").Respond(HttpStatusCode.NoContent);
        origin.When("*").WithHeaders("If-None-Match", "\"v1\"").Respond(_ => harness.NotModified("max-age=60", "\"v1\""));
        origin.When(Broken).Throw(new HttpRequestException("Connection refused"));
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        origin.When(Hot).Respond(async () =>
        {
            await gate.Task;
            return harness.Response("hot", "max-age=60");
        });
        origin.When(Refreshed).Respond(_ => harness.Response("refreshed", "max-age=0", "\"v1\""));
        origin.When("*").Respond(_ => harness.Response("body", "max-age=60", "\"v1\""));

        async Task GetAsync(string url, Action<HttpRequestMessage>? configure = null)
        {
            using var response = await harness.GetAsync(url, client, configure);
        }

        // Miss, hit, revalidation, stale served on the request's max-stale, the request's own no-cache, a range
        // (several ranges: bypass) and a POST (method, and the invalidation's remove).
        await GetAsync(One);
        await GetAsync(One);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        await GetAsync(One);
        harness.Time.Advance(TimeSpan.FromSeconds(61));
        await GetAsync(One, r => r.Headers.TryAddWithoutValidation("Cache-Control", "max-stale=600"));
        await GetAsync(One, r => r.Headers.TryAddWithoutValidation("Cache-Control", "no-cache"));
        await GetAsync(One, r => r.Headers.TryAddWithoutValidation("Range", "bytes=0-1, 3-4"));
        using (await harness.Client(client).PostAsync(One, new StringContent("x"), TestContext.Current.CancellationToken))
        {
        }

        // A record someone else wrote fails the integrity check.
        await GetAsync(Two);
        var twoKey = harness.Services.GetRequiredService<ClientCaches>().For(client).Keys.Get(new Uri(Two), harness.Options(client).KeyPrefix).EntryKey;
        inner.Put(twoKey, [1, 2, 3]);
        await GetAsync(Two);

        // The origin fails with nothing stored; two callers share one origin request.
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(Broken));
        var hot = ConcurrentCallers.Start(2, async () =>
        {
            await GetAsync(Hot);
            return true;
        });
        gate.SetResult();
        await Task.WhenAll(hot);

        // The store fails: a refresh after a 304, a remove, a write, then a read times out, then a read (the fifth
        // failure in a row opens the breaker), calls are skipped, and once the store answers the breaker closes.
        await GetAsync(Refreshed);
        store.RefreshFault = StoreFault.Throw;
        await GetAsync(Refreshed);
        store.RemoveFault = StoreFault.Throw;
        using (await harness.Client(client).PostAsync(Refreshed, new StringContent("x"), TestContext.Current.CancellationToken))
        {
        }

        store.SetFault = StoreFault.Throw;
        await GetAsync(Failing + "&write");
        store.SetFault = StoreFault.None;
        store.AllFaults = StoreFault.Hang;
        var armed = clock.NextTimer;
        var hanging = GetAsync(Failing);
        Assert.Same(armed, await Task.WhenAny(hanging, armed));
        clock.Advance(harness.Options(client).StoreTimeout);
        await hanging;
        store.AllFaults = StoreFault.Throw;
        await GetAsync(Failing);
        Assert.True(harness.Services.GetRequiredService<CacheStoreProvider>().Get(null).IsOpen);
        await GetAsync(Failing);
        store.AllFaults = StoreFault.None;
        store.RemoveFault = StoreFault.None;
        clock.Advance(GuardedStore.MaximumBreak);
        await GetAsync(Failing);

        var measurements = collectors
            .SelectMany(c => c.GetMeasurementSnapshot().Select(m => (c.Instrument!.Name, m.Value, m.Tags.ToDictionary(t => t.Key, t => t.Value))))
            .Where(m => Equals(m.Item3.GetValueOrDefault(HttpCachingDiagnostics.ClientNameTag), client))
            .ToArray();
        foreach (var collector in collectors)
        {
            collector.Dispose();
        }

        return measurements;
    }

    /// <summary>
    /// The string constants named <c>{prefix}…</c> (the values of a tag, not the tag itself) or <c>…{suffix}</c>. A tag's
    /// name ends with <c>Tag</c>; the one value that does too is the integrity failure <c>invalid-tag</c>.
    /// </summary>
    private static string[] Listed(string? prefix = null, string? suffix = null) =>
        [.. Constants
            .Where(f => f.FieldType == typeof(string)
                && (prefix is null || (f.Name.StartsWith(prefix, StringComparison.Ordinal) && !IsTagName(f)))
                && (suffix is null || (f.Name.EndsWith(suffix, StringComparison.Ordinal) && (suffix != "Tag" || IsTagName(f)))))
            .Select(f => (string)f.GetRawConstantValue()!)];

    private static bool IsTagName(FieldInfo field) =>
        field.Name.EndsWith("Tag", StringComparison.Ordinal) && field.Name != nameof(HttpCachingDiagnostics.IntegrityFailureInvalidTag);

    private static string[] Values(IEnumerable<Dictionary<string, object?>> tags, string name) =>
        [.. tags.Where(t => t.ContainsKey(name)).Select(t => Convert.ToString(t[name], System.Globalization.CultureInfo.InvariantCulture)!).Distinct()];

    /// <summary>The event ids as the XML docs of the <c>…EventId</c> constants describe them.</summary>
    private static IEnumerable<(int Id, string Name, LogLevel Level, string Category)> DocumentedEvents()
    {
        foreach (var field in Constants.Where(f => f.Name.EndsWith("EventId", StringComparison.Ordinal)))
        {
            var summary = Summary(field.Name);
            var id = (int)field.GetRawConstantValue()!;
            Assert.StartsWith($"Event id {id}, ", summary.Value, StringComparison.Ordinal);
            var name = summary.Element("c")!.Value;
            var level = Enum.Parse<LogLevel>(summary.Value.Split('(', 2)[1].Split([',', ')'], 2)[0]);
            var categoryField = summary.Element("see")!.Attribute("cref")!.Value.Split('.')[^1];
            var category = (string)Constants.Single(f => f.Name == categoryField).GetRawConstantValue()!;
            yield return (id, name, level, category);
        }
    }

    private static XElement Summary(string constant)
    {
        var path = Path.ChangeExtension(typeof(HttpCachingDiagnostics).Assembly.Location, ".xml");
        var member = XDocument.Load(path).Descendants("member")
            .Single(m => m.Attribute("name")!.Value == $"F:{typeof(HttpCachingDiagnostics).FullName}.{constant}");
        return member.Element("summary")!;
    }
}
