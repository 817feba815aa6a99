using Xunit;

// The parity tests start Node and load several networks: run the tests one at a time on the shared 2 cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
