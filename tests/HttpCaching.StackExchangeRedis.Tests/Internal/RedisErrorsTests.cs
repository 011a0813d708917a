using HttpCaching.StackExchangeRedis.Internal;
using StackExchange.Redis;

namespace HttpCaching.StackExchangeRedis.Tests.Internal;

public sealed class RedisErrorsTests
{
    private const string Key = "httpcaching:feeds:e:user-42";

    [Theory]
    [InlineData("ERR unknown command 'HMGET', with args beginning with: 'httpcaching:feeds:e:user-42' 'absexp' ")]
    [InlineData("ERR unknown command 'HMGET', with args beginning with: 'httpcaching:feeds:e:us")]
    [InlineData("ERR something about 'httpcaching:feeds:e:user-42'")]
    [InlineData("ERR something about 'user' command but 'httpcaching:feeds:e:user-42")]
    [InlineData("WRONGTYPE Operation against a key holding the wrong kind of value httpcaching:feeds:e:user-42")]
    public void Sanitise_ServerErrorEchoingTheKey_KeepsNoPartOfIt(string serverMessage)
    {
        var error = RedisErrors.Sanitise(new RedisServerException(serverMessage), "get", Key);

        Assert.DoesNotContain("user-42", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("feeds:e", error.Message, StringComparison.Ordinal);
        Assert.Contains(KeyHash.Of(Key), error.Message, StringComparison.Ordinal);
        Assert.Null(error.InnerException);
    }

    [Theory]
    [InlineData("NOPERM this user has no permissions to run the 'hset' command", "the 'hset' command", RedisStoreFailure.PermissionDenied)]
    [InlineData("NOPERM this user has no permissions to run the 'config|get' command", "the 'config|get' command", RedisStoreFailure.PermissionDenied)]
    [InlineData("NOPERM this user has no permissions to access one of the keys used as arguments", "access one of the keys", RedisStoreFailure.PermissionDenied)]
    [InlineData("WRONGPASS invalid username-password pair or user is disabled.", "WRONGPASS", RedisStoreFailure.PermissionDenied)]
    [InlineData("OOM command not allowed when used memory > 'maxmemory'.", "OOM command not allowed", RedisStoreFailure.Server)]
    [InlineData("READONLY You can't write against a read only replica.", "READONLY", RedisStoreFailure.Server)]
    public void Sanitise_ServerError_KeepsTheCodeAndCommandNames(string serverMessage, string kept, RedisStoreFailure failure)
    {
        var error = RedisErrors.Sanitise(new RedisServerException(serverMessage), "set", Key);

        Assert.Contains(kept, error.Message, StringComparison.Ordinal);
        Assert.Equal(failure, error.Failure);
        Assert.StartsWith($"Redis set of key {KeyHash.Of(Key)} failed: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitise_ConnectionAndTimeout_UseOnlyStructuredFields()
    {
        var connection = new RedisConnectionException(ConnectionFailureType.UnableToConnect, $"No connection is active/available to service this operation: HMGET {Key}");
        var timeout = new RedisTimeoutException($"Timeout awaiting response (outbound=0KiB, inbound=0KiB), command=HMGET, active: HMGET {Key}, next: HMGET other", CommandStatus.Sent);

        var fromConnection = RedisErrors.Sanitise(connection, "get", Key);
        var fromTimeout = RedisErrors.Sanitise(timeout, "get", Key);

        Assert.Equal(RedisStoreFailure.Connection, fromConnection.Failure);
        Assert.Contains("UnableToConnect", fromConnection.Message, StringComparison.Ordinal);
        Assert.Equal(RedisStoreFailure.Timeout, fromTimeout.Failure);
        Assert.DoesNotContain("user-42", fromConnection.Message + fromTimeout.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("other", fromTimeout.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sanitise_AnythingElse_KeepsOnlyTheTypeName()
    {
        var error = RedisErrors.Sanitise(new InvalidOperationException($"something about {Key}"), "remove", Key);

        Assert.Equal(RedisStoreFailure.Other, error.Failure);
        Assert.Contains(nameof(InvalidOperationException), error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("user-42", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyHash_IsStableShortAndDistinct()
    {
        Assert.Equal(KeyHash.Of(Key), KeyHash.Of(Key));
        Assert.NotEqual(KeyHash.Of(Key), KeyHash.Of(Key + "x"));
        Assert.Matches("^#[0-9a-f]{12}$", KeyHash.Of(Key));
        Assert.Matches("^#[0-9a-f]{12}$", KeyHash.Of(new string('k', 10_000)));
    }

    [Theory]
    [InlineData(typeof(OperationCanceledException))]
    [InlineData(typeof(ArgumentNullException))]
    [InlineData(typeof(ObjectDisposedException))]
    public void PassesThrough_ExceptionsWithoutKeys(Type type)
    {
        var exception = type == typeof(ObjectDisposedException) ? new ObjectDisposedException("RedisCache") : (Exception)Activator.CreateInstance(type)!;

        Assert.True(RedisErrors.PassesThrough(exception));
        Assert.False(RedisErrors.PassesThrough(new RedisServerException("ERR")));
    }
}
