namespace HttpCaching.Demo;

/// <summary>
/// A moment when many callers want the same URL at once, such as a link that goes viral: <see cref="Requests"/>
/// concurrent requests instead of one, while the third party takes <see cref="OriginLatency"/> (real time) to answer.
/// </summary>
public sealed record Burst(TimeSpan At, string ClientName, int Requests, TimeSpan OriginLatency);
