namespace HttpCaching.Demo;

/// <summary>
/// Something worth showing that happened at a simulated time, or <see cref="Count"/> times in a row, once a minute,
/// until <see cref="Until"/>: an origin contact, or a change at the origin.
/// </summary>
public sealed record TimelineEntry(TimeSpan At, string Source, string Description)
{
    /// <summary>The <see cref="Source"/> of changes made by the stand-in origin itself.</summary>
    public const string Origin = "origin";

    public TimeSpan Until { get; init; } = At;

    public int Count { get; init; } = 1;
}
