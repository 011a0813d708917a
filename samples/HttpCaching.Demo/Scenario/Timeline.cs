namespace HttpCaching.Demo;

/// <summary>
/// Origin contacts and origin changes in simulated time order. A contact that repeats the previous one of the same
/// source a minute later, with nothing happening at the origin in between, extends it into a run.
/// </summary>
public sealed class Timeline
{
    private readonly List<TimelineEntry> _entries = [];
    private int _lastOriginChange = -1;

    public IReadOnlyList<TimelineEntry> Entries => _entries;

    public void OriginChanged(TimeSpan at, string description)
    {
        _entries.Add(new TimelineEntry(at, TimelineEntry.Origin, description));
        _lastOriginChange = _entries.Count - 1;
    }

    public void Contact(TimeSpan at, string source, string description)
    {
        var previous = _entries.FindLastIndex(e => e.Source == source);
        if (previous > _lastOriginChange
            && _entries[previous] is var run
            && run.Description == description
            && run.Until + ScenarioPlan.Interval == at)
        {
            _entries[previous] = run with { Until = at, Count = run.Count + 1 };
            return;
        }

        _entries.Add(new TimelineEntry(at, source, description));
    }
}
