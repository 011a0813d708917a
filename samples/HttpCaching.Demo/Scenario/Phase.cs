namespace HttpCaching.Demo;

/// <summary>A stretch of the scenario, from <see cref="Start"/> to the next phase, and how each third party behaves in it.</summary>
public sealed record Phase(string Name, TimeSpan Start, EndpointBehaviour Feed, EndpointBehaviour OEmbed, bool IsOutage)
{
    /// <summary>When the phase ends: the start of the next one, or the end of the scenario.</summary>
    public TimeSpan End => ScenarioPlan.Phases.SkipWhile(p => p != this).Skip(1).FirstOrDefault()?.Start ?? ScenarioPlan.Duration;
}
