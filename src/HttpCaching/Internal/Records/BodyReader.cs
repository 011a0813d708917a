using System.Buffers;

namespace HttpCaching.Internal;

/// <summary>
/// Reads a response body into a body record, never holding more than the size limit: a body that turns out larger
/// is handed back as the bytes read so far followed by the rest of the stream, unbuffered.
/// </summary>
internal static class BodyReader
{
    private const int InitialBufferSize = 16 * 1024;

    public static async Task<BodyReadResult> ReadAsync(HttpContent content, long maxBodySize, CancellationToken cancellationToken)
    {
        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (content.Headers.ContentLength is { } declared && declared <= maxBodySize)
        {
            // Known length: read straight into the record, after its header.
            var record = BodyRecord.Allocate((int)declared);
            var read = await ReadFullyAsync(stream, record.AsMemory(RecordFormat.BodyHeaderLength, (int)declared), cancellationToken).ConfigureAwait(false);
            if (read == declared)
            {
                content.Dispose();
                BodyRecord.Seal(record);
                return new BodyReadResult(record, read, null, NotStoredReason.None);
            }

            var partial = new ByteArrayContent(record, RecordFormat.BodyHeaderLength, read);
            CopyHeaders(content, partial);
            content.Dispose();
            return new BodyReadResult(null, read, partial, NotStoredReason.Incomplete);
        }

        // One byte more than the limit tells a body that is too large from one that fits exactly.
        var limit = (int)Math.Min(maxBodySize, Array.MaxLength - 1) + 1;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBufferSize, limit));
        var total = 0;
        var handedOver = false;
        try
        {
            while (true)
            {
                if (total == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit));
                    buffer.AsSpan(0, total).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(total, Math.Min(buffer.Length, limit) - total), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                total += read;
                if (total > maxBodySize)
                {
                    // The stream that replays the bytes read so far owns the buffer from here on.
                    var rest = new StreamContent(new PrefixedStream(buffer, total, stream, content));
                    handedOver = true;
                    CopyHeaders(content, rest);
                    return new BodyReadResult(null, total, rest, NotStoredReason.TooLarge);
                }
            }

            var record = BodyRecord.Allocate(total);
            buffer.AsSpan(0, total).CopyTo(record.AsSpan(RecordFormat.BodyHeaderLength));
            BodyRecord.Seal(record);
            content.Dispose();
            return new BodyReadResult(record, total, null, NotStoredReason.None);
        }
        finally
        {
            if (!handedOver)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async ValueTask<int> ReadFullyAsync(Stream stream, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = await stream.ReadAsync(destination[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static void CopyHeaders(HttpContent from, HttpContent to)
    {
        foreach (var (name, values) in from.Headers.NonValidated)
        {
            if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                to.Headers.TryAddWithoutValidation(name, values);
            }
        }
    }
}
