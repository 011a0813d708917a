using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace HttpCaching.Internal;

/// <summary>
/// What every store package's <c>Add…HttpCache</c> and <c>AddKeyed…HttpCache</c> overloads do, once: check the
/// arguments, register the store's named options (validated at start by <typeparamref name="TValidator"/>), let the
/// package add what its store needs beside them, and register the store as the application's
/// <see cref="IDistributedCache"/> or as a keyed one whose service key is also its options name.
/// </summary>
/// <remarks>
/// One source file, linked into each store package (which must stand alone):
/// <c>&lt;Compile Include="..\Shared\StoreRegistration.cs" Link="Internal\StoreRegistration.cs" /&gt;</c>. A package's
/// extension class then holds only its public overloads, its <c>register</c> step and its store's constructor call.
/// </remarks>
/// <typeparam name="TOptions">The store's options type.</typeparam>
/// <typeparam name="TValidator">The validator of the store's options, registered once.</typeparam>
internal static class StoreRegistration<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] TOptions, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TValidator>
    where TOptions : class
    where TValidator : class, IValidateOptions<TOptions>
{
    /// <summary>Registers the application's <see cref="IDistributedCache"/>, with options named <see cref="Options.DefaultName"/>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the store's options.</param>
    /// <param name="register">Adds what the store needs beside its options, for the options name it is given.</param>
    /// <param name="create">Creates the store with the options of the name it is given.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection Add(
        IServiceCollection services,
        Action<TOptions> configure,
        Action<IServiceCollection, string> register,
        Func<IServiceProvider, string, IDistributedCache> create)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        AddOptions(services, Options.DefaultName, configure, register);
        services.AddSingleton(sp => create(sp, Options.DefaultName));
        return services;
    }

    /// <summary>Registers a keyed <see cref="IDistributedCache"/>; <paramref name="serviceKey"/> is also its options name.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="serviceKey">The service key and options name.</param>
    /// <param name="configure">Sets the store's options.</param>
    /// <param name="register">Adds what the store needs beside its options, for the options name it is given.</param>
    /// <param name="create">Creates the store with the options of the name it is given.</param>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddKeyed(
        IServiceCollection services,
        string serviceKey,
        Action<TOptions> configure,
        Action<IServiceCollection, string> register,
        Func<IServiceProvider, string, IDistributedCache> create)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(serviceKey);
        ArgumentNullException.ThrowIfNull(configure);

        AddOptions(services, serviceKey, configure, register);
        services.AddKeyedSingleton(serviceKey, (sp, _) => create(sp, serviceKey));
        return services;
    }

    /// <summary>
    /// Registers the application's <see cref="IDistributedCache"/>, with options bound from <paramref name="section"/>
    /// by <paramref name="bind"/> (given the options name, the section and the options).
    /// </summary>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection Add(
        IServiceCollection services,
        IConfigurationSection section,
        Action<string, IConfigurationSection, TOptions> bind,
        Action<IServiceCollection, string> register,
        Func<IServiceProvider, string, IDistributedCache> create)
    {
        ArgumentNullException.ThrowIfNull(section);
        return Add(services, options => bind(Options.DefaultName, section, options), register, create);
    }

    /// <summary>
    /// Registers a keyed <see cref="IDistributedCache"/>, with options bound from <paramref name="section"/> by
    /// <paramref name="bind"/> (given the options name, the section and the options).
    /// </summary>
    /// <returns>The value of <paramref name="services"/>.</returns>
    public static IServiceCollection AddKeyed(
        IServiceCollection services,
        string serviceKey,
        IConfigurationSection section,
        Action<string, IConfigurationSection, TOptions> bind,
        Action<IServiceCollection, string> register,
        Func<IServiceProvider, string, IDistributedCache> create)
    {
        ArgumentNullException.ThrowIfNull(section);
        return AddKeyed(services, serviceKey, options => bind(serviceKey, section, options), register, create);
    }

    private static void AddOptions(IServiceCollection services, string name, Action<TOptions> configure, Action<IServiceCollection, string> register)
    {
        services.AddOptions<TOptions>(name).Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        register(services, name);
    }
}
