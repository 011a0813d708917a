using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace HttpCaching.Internal;

/// <summary>
/// Remembers a value for a record array by the array's identity, for as long as the array lives and its slot is not
/// needed by another array: stores that keep records in process memory return the same array on every read, so work
/// done on it once (decoding, checking its checksum) is not repeated.
/// </summary>
/// <remarks>
/// A bounded, two-way set-associative table of weak references, allocated once per set. A
/// <see cref="ConditionalWeakTable{TKey, TValue}"/> did this before, with one dependent handle per record ever written:
/// every garbage collection walks those handles, and a cache that writes a record per request spent 40% of a 304
/// revalidation in the collector. Weak references cost the collector almost nothing, and their number is fixed here.
/// A forgotten record is only work done again, never a wrong answer: a value is found only for the very array it was
/// set for, and a weak reference to a collected array never matches a new one.
/// </remarks>
/// <typeparam name="TValue">What is remembered for a record.</typeparam>
internal sealed class RecordIdentityCache<TValue>
    where TValue : class
{
    private readonly Pair?[] _sets;
    private readonly int _mask;

    /// <param name="sets">The number of sets, a power of two; the table holds two records per set.</param>
    public RecordIdentityCache(int sets)
    {
        if (sets <= 0 || !int.IsPow2(sets))
        {
            throw new ArgumentOutOfRangeException(nameof(sets), sets, "The number of sets must be a positive power of two.");
        }

        _sets = new Pair?[sets];
        _mask = sets - 1;
    }

    /// <summary>The value set for this very array, if it is still remembered.</summary>
    public bool TryGetValue(byte[] record, [MaybeNullWhen(false)] out TValue value)
    {
        if (Volatile.Read(ref _sets[IndexOf(record)]) is { } pair)
        {
            return pair.TryGetValue(record, out value);
        }

        value = null;
        return false;
    }

    /// <summary>Remembers <paramref name="value"/> for <paramref name="record"/>, in place of what its set held longest.</summary>
    public void Set(byte[] record, TValue value)
    {
        ref var slot = ref _sets[IndexOf(record)];
        var pair = Volatile.Read(ref slot) ?? Interlocked.CompareExchange(ref slot, new Pair(), null) ?? slot;
        pair.Add(record, value);
    }

    /// <summary>Forgets <paramref name="record"/> (one that was replaced), so its value is not kept until its slot is needed.</summary>
    public void Remove(byte[] record)
    {
        if (Volatile.Read(ref _sets[IndexOf(record)]) is { } pair)
        {
            pair.Remove(record);
        }
    }

    private int IndexOf(byte[] record) => RuntimeHelpers.GetHashCode(record) & _mask;

    /// <summary>Two records, the one used last first; a record that is read again moves to the front.</summary>
    private sealed class Pair
    {
        private readonly Lock _gate = new();
        private readonly WeakReference<byte[]?> _recentRecord = new(null);
        private readonly WeakReference<byte[]?> _olderRecord = new(null);
        private TValue? _recentValue;
        private TValue? _olderValue;

        public bool TryGetValue(byte[] record, [MaybeNullWhen(false)] out TValue value)
        {
            lock (_gate)
            {
                if (Holds(_recentRecord, record))
                {
                    value = _recentValue!;
                    return true;
                }

                if (Holds(_olderRecord, record))
                {
                    value = _olderValue!;
                    Swap();
                    return true;
                }

                // Values of collected arrays are not kept for the arrays that will never come back.
                if (!_recentRecord.TryGetTarget(out _))
                {
                    _recentValue = null;
                }

                if (!_olderRecord.TryGetTarget(out _))
                {
                    _olderValue = null;
                }
            }

            value = null;
            return false;
        }

        public void Add(byte[] record, TValue value)
        {
            lock (_gate)
            {
                if (Holds(_recentRecord, record))
                {
                    _recentValue = value;
                    return;
                }

                if (!Holds(_olderRecord, record))
                {
                    _olderRecord.SetTarget(_recentRecord.TryGetTarget(out var recent) ? recent : null);
                    _olderValue = recent is null ? null : _recentValue;
                    _recentRecord.SetTarget(record);
                    _recentValue = value;
                    return;
                }

                _olderValue = value;
                Swap();
            }
        }

        public void Remove(byte[] record)
        {
            lock (_gate)
            {
                if (Holds(_recentRecord, record))
                {
                    Swap();
                }
                else if (!Holds(_olderRecord, record))
                {
                    return;
                }

                _olderRecord.SetTarget(null);
                _olderValue = null;
            }
        }

        private static bool Holds(WeakReference<byte[]?> reference, byte[] record) =>
            reference.TryGetTarget(out var held) && ReferenceEquals(held, record);

        private void Swap()
        {
            _recentRecord.TryGetTarget(out var recent);
            _olderRecord.TryGetTarget(out var older);
            _recentRecord.SetTarget(older);
            _olderRecord.SetTarget(recent);
            (_recentValue, _olderValue) = (_olderValue, _recentValue);
        }
    }
}
