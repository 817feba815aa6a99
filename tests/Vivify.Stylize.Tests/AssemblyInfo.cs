using Xunit;

// Several tests seed TorchSharp's global generator before building models: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
