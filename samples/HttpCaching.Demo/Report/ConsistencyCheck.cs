namespace HttpCaching.Demo;

/// <summary>Numbers from different sources that must agree, such as the meter's count and the callers' count.</summary>
public sealed record ConsistencyCheck(string Description, IReadOnlyList<long> Values)
{
    public bool Holds => Values.Distinct().Count() == 1;
}
