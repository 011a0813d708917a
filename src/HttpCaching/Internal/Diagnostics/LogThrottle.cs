using System.Collections.Concurrent;

namespace HttpCaching.Internal;

/// <summary>
/// Keeps repeated warnings from flooding the logs: a message of one kind about one subject (a URL's hash, a store
/// operation) is written at most once per <see cref="Interval"/>, and the next one written says how many were left out
/// meanwhile. Metrics still count every occurrence. Bounded: when it tracks <see cref="Capacity"/> subjects it starts
/// over, which at worst lets one more message of each through.
/// </summary>
internal sealed class LogThrottle(TimeProvider time)
{
    /// <summary>How often one message about one subject is written at most.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>The most subjects tracked at once.</summary>
    public const int Capacity = 4096;

    private readonly ConcurrentDictionary<(int EventId, string Subject), Slot> _slots = new();

    /// <summary>
    /// Whether to write the message now; if so, <paramref name="suppressed"/> is the number of the same messages left
    /// out since the last one written.
    /// </summary>
    public bool ShouldLog(int eventId, string subject, out int suppressed)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (_slots.Count >= Capacity)
        {
            _slots.Clear();
        }

        var slot = _slots.GetOrAdd((eventId, subject), static _ => new Slot());
        lock (slot)
        {
            if (now < slot.NextTicks)
            {
                slot.Suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = slot.Suppressed;
            slot.Suppressed = 0;
            slot.NextTicks = now + Interval.Ticks;
            return true;
        }
    }

    private sealed class Slot
    {
        public long NextTicks;
        public int Suppressed;
    }
}
