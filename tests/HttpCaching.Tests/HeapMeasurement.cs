namespace HttpCaching.Tests;

/// <summary>
/// Tests that measure the managed heap run alone, after the parallel ones, so no other test's allocations are counted.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasurement
{
    public const string Name = "Heap measurement";
}
