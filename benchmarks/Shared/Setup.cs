namespace HttpCaching.Benchmarks;

/// <summary>Helpers the setups of the store benchmarks share (linked from benchmarks/Shared).</summary>
internal static class Setup
{
    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"Benchmark setup is wrong: {message}.");
        }
    }

    /// <summary>A JSON-looking body of exactly <paramref name="size"/> bytes (as in HttpCaching.Benchmarks).</summary>
    public static byte[] CreateBody(int size)
    {
        var body = new byte[size];
        var pattern = "{\"id\":42,\"name\":\"item\",\"tags\":[\"a\",\"b\"]},"u8;
        for (var i = 0; i < size; i++)
        {
            body[i] = pattern[i % pattern.Length];
        }

        return body;
    }
}
