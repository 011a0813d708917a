using System.Runtime.CompilerServices;
using HttpCaching.Internal;

namespace HttpCaching.Tests.Internal;

public sealed class RecordIdentityCacheTests
{
    [Fact]
    public void TryGetValue_TheArrayItWasSetFor_ReturnsTheValue()
    {
        var cache = new RecordIdentityCache<string>(sets: 8);
        var record = new byte[] { 1, 2, 3 };

        cache.Set(record, "decoded");

        Assert.True(cache.TryGetValue(record, out var value));
        Assert.Equal("decoded", value);
    }

    [Fact]
    public void TryGetValue_AnEqualCopyOfTheArray_FindsNothing()
    {
        var cache = new RecordIdentityCache<string>(sets: 8);
        var record = new byte[] { 1, 2, 3 };
        cache.Set(record, "decoded");

        Assert.False(cache.TryGetValue((byte[])record.Clone(), out var value));
        Assert.Null(value);
    }

    [Fact]
    public void Set_SameArrayAgain_ReplacesItsValue()
    {
        var cache = new RecordIdentityCache<string>(sets: 1);
        var record = new byte[1];
        var other = new byte[1];
        cache.Set(record, "first");
        cache.Set(other, "other");

        cache.Set(record, "second");

        Assert.True(cache.TryGetValue(record, out var value));
        Assert.Equal("second", value);
        Assert.True(cache.TryGetValue(other, out var otherValue));
        Assert.Equal("other", otherValue);
    }

    [Fact]
    public void Set_ThirdArrayInAFullSet_ForgetsTheOneUsedLongestAgo()
    {
        // One set: every array shares it, two at a time.
        var cache = new RecordIdentityCache<string>(sets: 1);
        var first = new byte[1];
        var second = new byte[1];
        var third = new byte[1];
        cache.Set(first, "first");
        cache.Set(second, "second");
        Assert.True(cache.TryGetValue(first, out _)); // read again: now the one used last

        cache.Set(third, "third");

        Assert.True(cache.TryGetValue(first, out var firstValue));
        Assert.Equal("first", firstValue);
        Assert.True(cache.TryGetValue(third, out var thirdValue));
        Assert.Equal("third", thirdValue);
        Assert.False(cache.TryGetValue(second, out _));
    }

    [Fact]
    public void Set_OlderArrayAgain_MakesItTheOneUsedLast()
    {
        var cache = new RecordIdentityCache<string>(sets: 1);
        var first = new byte[1];
        var second = new byte[1];
        var third = new byte[1];
        cache.Set(first, "first");
        cache.Set(second, "second");
        cache.Set(first, "first again");

        cache.Set(third, "third");

        Assert.True(cache.TryGetValue(first, out var firstValue));
        Assert.Equal("first again", firstValue);
        Assert.False(cache.TryGetValue(second, out _));
    }

    [Fact]
    public void Set_ThirdArrayWithoutReads_ForgetsTheFirstSet()
    {
        var cache = new RecordIdentityCache<string>(sets: 1);
        var first = new byte[1];
        var second = new byte[1];
        var third = new byte[1];
        cache.Set(first, "first");
        cache.Set(second, "second");

        cache.Set(third, "third");

        Assert.False(cache.TryGetValue(first, out _));
        Assert.True(cache.TryGetValue(second, out var secondValue));
        Assert.Equal("second", secondValue);
        Assert.True(cache.TryGetValue(third, out var thirdValue));
        Assert.Equal("third", thirdValue);
    }

    [Fact]
    public void Remove_EitherArrayOfASet_ForgetsOnlyThatOne()
    {
        var cache = new RecordIdentityCache<string>(sets: 1);
        var older = new byte[1];
        var recent = new byte[1];
        cache.Set(older, "older");
        cache.Set(recent, "recent");

        cache.Remove(recent);

        Assert.False(cache.TryGetValue(recent, out _));
        Assert.True(cache.TryGetValue(older, out var value));
        Assert.Equal("older", value);

        cache.Remove(older);
        Assert.False(cache.TryGetValue(older, out _));
    }

    [Fact]
    public void Remove_AnArrayItDoesNotHold_LeavesTheOthers()
    {
        var cache = new RecordIdentityCache<string>(sets: 1);
        var first = new byte[1];
        var second = new byte[1];
        cache.Set(first, "first");
        cache.Set(second, "second");

        cache.Remove(new byte[1]);

        Assert.True(cache.TryGetValue(first, out _));
        Assert.True(cache.TryGetValue(second, out _));
    }

    [Fact]
    public void Set_DoesNotKeepTheArrayAlive()
    {
        var cache = new RecordIdentityCache<object>(sets: 1);

        var record = SetUnreferenced(cache, new object());
        GC.Collect();
        GC.WaitForPendingFinalizers();

        Assert.False(record.TryGetTarget(out _));
    }

    [Fact]
    public void TryGetValue_AfterItsArrayWasCollected_LetsTheValueGoToo()
    {
        var cache = new RecordIdentityCache<object>(sets: 1);
        var value = SetUnreferencedValue(cache);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        // Any lookup in the set notices the array is gone and drops what was kept for it.
        Assert.False(cache.TryGetValue(new byte[1], out _));
        GC.Collect();

        Assert.False(value.TryGetTarget(out _));
    }

    [Fact]
    public void Remove_LetsTheValueGo()
    {
        var cache = new RecordIdentityCache<object>(sets: 1);
        var record = new byte[1];
        var value = SetValue(cache, record);

        cache.Remove(record);
        GC.Collect();

        Assert.False(value.TryGetTarget(out _));
        GC.KeepAlive(record);
    }

    [Fact]
    public void TryGetValue_ManyArraysFromManyThreads_NeverReturnsAnotherArraysValue()
    {
        var cache = new RecordIdentityCache<byte[]>(sets: 4);
        var records = Enumerable.Range(0, 64).Select(i => new byte[] { (byte)i }).ToArray();

        Parallel.For(0, 20_000, i =>
        {
            var record = records[(i * 7) % records.Length];
            if (i % 3 == 0)
            {
                cache.Set(record, record);
            }
            else if (i % 11 == 0)
            {
                cache.Remove(record);
            }
            else if (cache.TryGetValue(record, out var value))
            {
                Assert.Same(record, value);
            }
        });

        foreach (var record in records)
        {
            if (cache.TryGetValue(record, out var value))
            {
                Assert.Same(record, value);
            }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(3)]
    [InlineData(4095)]
    public void Constructor_SetsNotAPositivePowerOfTwo_Throws(int sets)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RecordIdentityCache<string>(sets));
        Assert.Equal("sets", error.ParamName);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<byte[]> SetUnreferenced(RecordIdentityCache<object> cache, object value)
    {
        var record = new byte[16];
        cache.Set(record, value);
        return new WeakReference<byte[]>(record);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<object> SetUnreferencedValue(RecordIdentityCache<object> cache) =>
        SetValue(cache, new byte[16]);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference<object> SetValue(RecordIdentityCache<object> cache, byte[] record)
    {
        var value = new object();
        cache.Set(record, value);
        return new WeakReference<object>(value);
    }
}
