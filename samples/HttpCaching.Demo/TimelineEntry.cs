namespace HttpCaching.Demo;

/// <summary>Something worth showing that happened at a simulated time: an origin contact, or a change at the origin.</summary>
public sealed record TimelineEntry(TimeSpan At, string Source, string Description)
{
    /// <summary>The <see cref="Source"/> of changes made by the stand-in origin itself.</summary>
    public const string Origin = "origin";
}
