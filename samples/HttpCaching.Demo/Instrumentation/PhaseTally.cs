namespace HttpCaching.Demo;

/// <summary>What one client's callers got during one phase.</summary>
public sealed class PhaseTally
{
    public int Requests { get; private set; }

    /// <summary>Answered by the cache without contacting the origin (fresh hits, and stale hits under Retry-After).</summary>
    public int FromCache { get; private set; }

    /// <summary>The caller's own request went to the origin, or tried to.</summary>
    public int ToOrigin { get; private set; }

    /// <summary>Served from another caller's origin request.</summary>
    public int Collapsed { get; private set; }

    /// <summary>A stored response served past its freshness, with or without asking the origin.</summary>
    public int Stale { get; private set; }

    /// <summary>A stored response served past its freshness because the origin failed or its response was refused.</summary>
    public int StaleOnError { get; private set; }

    /// <summary>The origin's response was refused by <c>ValidateResponse</c> (<c>detail=rejected</c>).</summary>
    public int Rejected { get; private set; }

    public int Failed { get; private set; }

    public void Add(AppResponse response)
    {
        var info = response.Info;
        Requests++;
        FromCache += info.Forwarded ? 0 : 1;
        ToOrigin += info.ContactedOrigin ? 1 : 0;
        Collapsed += info.Collapsed ? 1 : 0;
        Stale += info.ServedStale ? 1 : 0;
        StaleOnError += info.ServedStale && info.Forwarded ? 1 : 0;
        Rejected += info.Detail == "rejected" ? 1 : 0;
        Failed += response.Failed ? 1 : 0;
    }

    public void Add(PhaseTally other)
    {
        Requests += other.Requests;
        FromCache += other.FromCache;
        ToOrigin += other.ToOrigin;
        Collapsed += other.Collapsed;
        Stale += other.Stale;
        StaleOnError += other.StaleOnError;
        Rejected += other.Rejected;
        Failed += other.Failed;
    }
}
