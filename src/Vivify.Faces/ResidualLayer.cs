using TorchSharp;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Faces;

/// <summary>
/// FaceRecognitionNet's <c>residual</c> and <c>residualDown</c>: conv1 (ReLU) and conv2 (no ReLU) added to the input,
/// then ReLU. Down: conv1 has stride 2 and 'valid' padding; the shortcut is a 2×2 average pool, zero-padded in
/// channels when the block widens, and the residual gets a zero row and column at the bottom/right when the pooled
/// shortcut is one larger (as face-api concatenates them). Children <c>conv1</c>, <c>conv2</c> as the tfjs names.
/// </summary>
public sealed class ResidualLayer : nn.Module<Tensor, Tensor>
{
    public ScaleConvLayer conv1;
    public ScaleConvLayer conv2;
    private readonly bool _down;

    public ResidualLayer(long inChannels, long outChannels, bool down) : base(nameof(ResidualLayer))
    {
        conv1 = new ScaleConvLayer(inChannels, outChannels, 3, down ? 2 : 1, relu: true);
        conv2 = new ScaleConvLayer(outChannels, outChannels, 3, 1, relu: false);
        _down = down;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var @out = conv2.forward(conv1.forward(x));
        if (!_down) return nn.functional.relu(@out.add(x, One)).MoveToOuterDisposeScope();
        var pooled = nn.functional.avg_pool2d(x, [2, 2], stride: [2, 2]);
        if (pooled.shape[2] != @out.shape[2] || pooled.shape[3] != @out.shape[3])
            @out = nn.functional.pad(@out, [0, 1, 0, 1]);   // face-api: one zero row, then one zero column, appended
        if (pooled.shape[1] != @out.shape[1])
            pooled = cat([pooled, zeros_like(pooled)], 1);
        return nn.functional.relu(pooled.add(@out, One)).MoveToOuterDisposeScope();
    }
}
