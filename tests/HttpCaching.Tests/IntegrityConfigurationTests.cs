using HttpCaching.Tests.Helpers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HttpCaching.Tests;

/// <summary>The <c>HttpCaching:Store:Integrity</c> section: strict binding and start-up validation that never quotes a key.</summary>
public sealed class IntegrityConfigurationTests
{
    /// <summary>16 bytes, valid base64, with a recognisable secret inside.</summary>
    private const string ShortKey = "U0hPUlQtU0VDUkVULUtFWQ==";

    private const string NotBase64 = "NOT*BASE64*SECRET*KEY*MATERIAL";

    public static TheoryData<Dictionary<string, string?>, string> InvalidConfigurations => new()
    {
        { new() { ["HttpCaching:Store:Integrity:Keys:0"] = IntegrityKeys.A, ["HttpCaching:Store:Integrity:Keys:1"] = ShortKey }, "HttpCaching:Store:Integrity:Keys:1 is 16 bytes long; a key needs at least 32 random bytes" },
        { new() { ["HttpCaching:Store:Integrity:Keys:0"] = NotBase64 }, "HttpCaching:Store:Integrity:Keys:0 is not valid base64." },
        { new() { ["HttpCaching:Store:Integrity:Keys:0"] = "" }, "HttpCaching:Store:Integrity:Keys:0 is empty." },
        { new() { ["HttpCaching:Store:Integrity:Encrypt"] = "true" }, "HttpCaching:Store:Integrity:Encrypt is true, but HttpCaching:Store:Integrity:Keys is empty: encryption needs at least one key." },
        { new() { ["HttpCaching:Store:Integrity:Foo"] = "1" }, "HttpCaching:Store:Integrity:Foo is not a known setting. Known settings: Keys, Encrypt." },
        { new() { ["HttpCaching:Store:Integrity:Keys:first"] = IntegrityKeys.A }, "HttpCaching:Store:Integrity:Keys:first is not an array element" },
        { new() { ["HttpCaching:Store:Integrity:Keys:0:Value"] = IntegrityKeys.A }, "HttpCaching:Store:Integrity:Keys:0 must be a value, not a section." },
        { new() { ["HttpCaching:Store:Integrity:Keys"] = IntegrityKeys.A }, "HttpCaching:Store:Integrity:Keys must be an array" },
        { new() { ["HttpCaching:Store:Integrity:Keys:0"] = null }, "HttpCaching:Store:Integrity:Keys:0 is empty." },
        { new() { ["HttpCaching:Integrity:Keys:0"] = IntegrityKeys.A }, "HttpCaching:Integrity has moved: set HttpCaching:Store:Integrity instead." },
        { new() { ["HttpCaching:Store:Integrity"] = "on" }, "HttpCaching:Store:Integrity is a section, not a value. Known settings: Keys, Encrypt." },
        { new() { ["HttpCaching:Store:Integrity:Encrypt"] = "maybe", ["HttpCaching:Store:Integrity:Keys:0"] = IntegrityKeys.A }, "HttpCaching:Store:Integrity:Encrypt" },
        { new() { ["HttpCaching:Store:Integrity:Keys:0"] = NotBase64, ["HttpCaching:Store:Integrity:Keys:1"] = ShortKey }, "HttpCaching:Store:Integrity:Keys:1 is 16 bytes long" },
    };

    [Theory]
    [MemberData(nameof(InvalidConfigurations))]
    public void ValidateOnStart_InvalidIntegrityConfiguration_FailsNamingTheKeyButNeverQuotingIt(Dictionary<string, string?> configuration, string expected)
    {
        using var harness = new CachingHarness(configuration: configuration);

        var messages = AllMessages(Assert.ThrowsAny<Exception>(harness.ValidateOnStart));

        Assert.Contains(expected, messages, StringComparison.Ordinal);
        foreach (var secret in new[] { ShortKey, NotBase64, IntegrityKeys.A, "SECRET", "SHORT" })
        {
            Assert.DoesNotContain(secret, messages, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ValidateOnStart_InvalidKeyInCode_FailsNamingItsPosition()
    {
        using var harness = new CachingHarness(services: s => s.Configure<HttpCachingStoreOptions>(o =>
        {
            o.Integrity.Keys.Add(IntegrityKeys.A);
            o.Integrity.Keys.Add(ShortKey);
        }));

        var exception = Assert.Throws<OptionsValidationException>(harness.ValidateOnStart);

        Assert.Contains("HttpCaching:Store:Integrity:Keys:1 is 16 bytes long", exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(ShortKey, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_ValidIntegritySection_BindsKeysInIndexOrder()
    {
        var keys = Enumerable.Range(0, 12).Select(i => Convert.ToBase64String(Enumerable.Repeat((byte)i, 32).ToArray())).ToArray();
        var configuration = new Dictionary<string, string?> { ["HttpCaching:Store:Integrity:encrypt"] = "True" };
        foreach (var i in new[] { 11, 2, 10, 0, 1, 3, 4, 5, 6, 7, 8, 9 })
        {
            configuration[$"HttpCaching:Store:Integrity:Keys:{i}"] = keys[i];
        }

        using var harness = new CachingHarness(configuration: configuration);
        harness.ValidateOnStart();
        var options = harness.Services.GetRequiredService<IOptions<HttpCachingStoreOptions>>().Value;

        Assert.True(options.Integrity.Encrypt);
        Assert.Equal(keys, options.Integrity.Keys);
    }

    [Fact]
    public void Configuration_EmptyIntegritySection_IsValidAndLeavesIntegrityOff()
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?>
        {
            ["HttpCaching:Store:Integrity"] = "",
            ["HttpCaching:Store:MemorySizeLimit"] = "1048576",
        });

        harness.ValidateOnStart();
        var options = harness.Services.GetRequiredService<IOptions<HttpCachingStoreOptions>>().Value;

        Assert.Empty(options.Integrity.Keys);
        Assert.False(options.Integrity.Encrypt);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Configuration_EmptyKeysArray_ReplacesKeysSetInCode(string? value)
    {
        // JSON "Keys": [] arrives as the key with an empty value; a provider may also give it no value at all.
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?> { ["HttpCaching:Store:Integrity:Keys"] = value },
            services: s => s.Configure<HttpCachingStoreOptions>(o => o.Integrity.Keys.Add(IntegrityKeys.A)));

        harness.ValidateOnStart();

        Assert.Empty(harness.Services.GetRequiredService<IOptions<HttpCachingStoreOptions>>().Value.Integrity.Keys);
    }

    [Fact]
    public void Configuration_KeysInConfiguration_ReplaceKeysSetInCode()
    {
        using var harness = new CachingHarness(
            configuration: new Dictionary<string, string?> { ["HttpCaching:Store:Integrity:Keys:0"] = IntegrityKeys.B },
            services: s => s.Configure<HttpCachingStoreOptions>(o => o.Integrity.Keys.Add(IntegrityKeys.A)));

        harness.ValidateOnStart();

        Assert.Equal([IntegrityKeys.B], harness.Services.GetRequiredService<IOptions<HttpCachingStoreOptions>>().Value.Integrity.Keys);
    }

    [Fact]
    public void Options_Defaults_HaveNoKeysAndNoEncryption()
    {
        var options = new HttpCachingStoreOptions();

        Assert.Empty(options.Integrity.Keys);
        Assert.False(options.Integrity.Encrypt);
        Assert.Equal(32, HttpCachingIntegrityOptions.MinimumKeyLength);
    }

    [Fact]
    public void Configuration_ClientSectionsStillRejectDelegates()
    {
        using var harness = new CachingHarness(configuration: new Dictionary<string, string?> { ["HttpCaching:Defaults:ValidateResponse"] = "x" });

        var messages = AllMessages(Assert.ThrowsAny<Exception>(harness.ValidateOnStart));

        Assert.Contains("HttpCaching:Defaults:ValidateResponse is not a known setting", messages, StringComparison.Ordinal);
    }

    private static string AllMessages(Exception exception) =>
        exception is AggregateException aggregate
            ? string.Join(" | ", aggregate.InnerExceptions.Select(AllMessages))
            : exception.Message + (exception.InnerException is { } inner ? " | " + AllMessages(inner) : "");
}
