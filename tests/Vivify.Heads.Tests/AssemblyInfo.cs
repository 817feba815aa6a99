using Xunit;

// Tests seed TorchSharp's global generator and one measures live tensors: run them one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
