namespace HttpCaching.Internal;

/// <summary>Whether a stored response may be reused for a request, and how that is reported.</summary>
/// <param name="Usable">The stored response can be served without contacting the origin.</param>
/// <param name="Stale">It is served stale, which the request allowed (<c>max-stale</c>).</param>
/// <param name="ByFloor">It is fresh only because of the freshness floor.</param>
/// <param name="TimeToLive">Freshness lifetime minus current age; negative when stale.</param>
/// <param name="ForwardReason">When not usable: the Cache-Status <c>fwd</c> value for going to the origin.</param>
internal readonly record struct Reuse(bool Usable, bool Stale, bool ByFloor, TimeSpan TimeToLive, string ForwardReason);
