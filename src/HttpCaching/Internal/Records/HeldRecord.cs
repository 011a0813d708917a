using System.Runtime.CompilerServices;

namespace HttpCaching.Internal;

/// <summary>
/// A record as this process holds it, with what it has already learned of it: the entry decoded from it and whether
/// its checksum was verified. The library's own in-memory stores (the default store, the near cache) keep the record
/// in one of these, so a record read again from them is decoded and checked once for as long as they hold it, found
/// by its key, with no table of weak references for the collector to walk. A record read from a store out of process
/// is a new array each time, in a new holder.
/// </summary>
/// <remarks>
/// What a holder has learned is about its array alone, which nothing writes to once it is held. Two requests that
/// learn the same thing at once both write it: the values are the same, and each is published whole.
/// </remarks>
internal sealed class HeldRecord
{
    /// <summary>
    /// One holder per array of an in-process store that is not the library's (<c>MemoryDistributedCache</c>), which
    /// returns the very array it was given on every read; only for those, so that arrays read from a store out of
    /// process leave no handle behind.
    /// </summary>
    private static readonly ConditionalWeakTable<byte[], HeldRecord> OfSameArray = [];

    /// <summary>What a holder costs beyond its array, as the in-memory stores charge it against their size limits (without the decoded entry it may come to hold).</summary>
    public const int Overhead = 40;

    private DecodedEntry? _decoded;
    private volatile bool _verified;

    public HeldRecord(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Data = data;
    }

    /// <summary>The record's bytes, as the store holds them.</summary>
    public byte[] Data { get; }

    /// <summary>The entry decoded from <see cref="Data"/>, for the client and request it was decoded for, once decoded.</summary>
    public DecodedEntry? Decoded
    {
        get => Volatile.Read(ref _decoded);
        set => Volatile.Write(ref _decoded, value);
    }

    /// <summary>Whether the checksum a body record holds was found to match its body (<see cref="BodyRecord.IsValid"/>).</summary>
    public bool Verified
    {
        get => _verified;
        set => _verified = value;
    }

    /// <summary>A body record this process has just read from the origin and sealed: it computed the checksum itself.</summary>
    public static HeldRecord Built(byte[] data) => new(data) { Verified = true };

    /// <summary>The one holder of an array that an in-process store returns on every read (see <see cref="OfSameArray"/>).</summary>
    public static HeldRecord OfArray(byte[] data) => OfSameArray.GetValue(data, static array => new HeldRecord(array));

    /// <summary>Makes <paramref name="record"/> the one holder of its array, before the array is written to such a store.</summary>
    public static void Adopt(HeldRecord record) => OfSameArray.AddOrUpdate(record.Data, record);
}
