using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HttpCaching.Memcached.Internal;

/// <summary>
/// Consistent hashing in the manner of ketama: each server has <see cref="PointsPerServer"/> points on a 32-bit circle,
/// taken from hashes of <c>host:port-i</c>; a key belongs to the first point at or after its own hash, going round.
/// Adding a server to N takes about 1/(N+1) of the keys, all to the new one; removing one moves only its own keys.
/// SHA-256 is the hash (the first 16 bytes of each give four points), so the placement is not libmemcached's: share
/// servers with other HttpCaching instances, not with other clients.
/// </summary>
internal sealed class KetamaRing
{
    public const int PointsPerServer = 160;

    private readonly uint[] _points;
    private readonly int[] _owners;

    public KetamaRing(IReadOnlyList<string> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentOutOfRangeException.ThrowIfZero(servers.Count);
        var points = new List<(uint Point, int Owner)>(servers.Count * PointsPerServer);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        for (var owner = 0; owner < servers.Count; owner++)
        {
            for (var i = 0; i < PointsPerServer / 4; i++)
            {
                SHA256.HashData(Encoding.UTF8.GetBytes($"{servers[owner]}-{i}"), hash);
                for (var part = 0; part < 4; part++)
                {
                    points.Add((BinaryPrimitives.ReadUInt32LittleEndian(hash[(part * 4)..]), owner));
                }
            }
        }

        // Ties (vanishingly rare) go to the server listed first, the same way in every process.
        points.Sort(static (a, b) => a.Point != b.Point ? a.Point.CompareTo(b.Point) : a.Owner.CompareTo(b.Owner));
        _points = [.. points.Select(p => p.Point)];
        _owners = [.. points.Select(p => p.Owner)];
        Count = servers.Count;
    }

    /// <summary>The number of servers.</summary>
    public int Count { get; }

    /// <summary>The hash of a key's raw bytes on the circle.</summary>
    public static uint Hash(ReadOnlySpan<byte> key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(key, hash);
        return BinaryPrimitives.ReadUInt32LittleEndian(hash);
    }

    /// <summary>The server a key belongs to.</summary>
    public int Owner(uint hash) => _owners[Start(hash)];

    /// <summary>
    /// The servers in the order the key tries them: its owner, then each next distinct server round the circle, so the
    /// keys of a server that is down spread over the others as if it had been removed.
    /// </summary>
    public int[] Order(uint hash)
    {
        if (Count == 1)
        {
            return [0];
        }

        var order = new List<int>(Count);
        var start = Start(hash);
        for (var i = 0; i < _points.Length && order.Count < Count; i++)
        {
            var owner = _owners[(start + i) % _points.Length];
            if (!order.Contains(owner))
            {
                order.Add(owner);
            }
        }

        return [.. order];
    }

    private int Start(uint hash)
    {
        var index = Array.BinarySearch(_points, hash);
        if (index < 0)
        {
            index = ~index;
        }

        // Ties: the first of equal points.
        while (index > 0 && index < _points.Length && _points[index - 1] == hash)
        {
            index--;
        }

        return index == _points.Length ? 0 : index;
    }
}
