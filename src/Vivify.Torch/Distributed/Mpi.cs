using System.Runtime.InteropServices;

namespace Vivify.Torch.Distributed;

/// <summary>
/// A thin binding to Open MPI's <c>libmpi.so.40</c> (MPI 3.1; Debian's openmpi-bin / libopenmpi-dev), loaded on first
/// use only, so a process that never runs distributed never loads MPI. Open MPI's handles are pointers, and its
/// predefined ones (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, …) are the addresses of exported globals
/// (<c>ompi_mpi_comm_world</c>, <c>ompi_mpi_float</c>, <c>ompi_mpi_op_sum</c>): they are looked up by name.
/// Only the calls <see cref="MpiCommunicator"/> needs are bound.
/// </summary>
internal static unsafe class Mpi
{
    public const int Success = 0;
    public const int ThreadSerialized = 2;
    public const int AnySource = -1;
    /// <summary>MPI_IN_PLACE is <c>(void*)1</c> in Open MPI.</summary>
    public static readonly IntPtr InPlace = 1;

    /// <summary>MPI_Status: MPI_SOURCE, MPI_TAG, MPI_ERROR, and two fields of Open MPI's own (24 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Status
    {
        public int Source, Tag, Error, Cancelled;
        public nuint Count;
    }

    private static readonly Lock Gate = new();
    private static IntPtr _lib;

    public static IntPtr CommWorld, Float, Double, Int64, Byte, OpSum, OpMax, ErrorsReturn;

    public static delegate* unmanaged<int*, IntPtr, int, int*, int> Init_thread;
    public static delegate* unmanaged<int> Finalize;
    public static delegate* unmanaged<int*, int> Initialized;
    public static delegate* unmanaged<IntPtr, int*, int> Comm_rank;
    public static delegate* unmanaged<IntPtr, int*, int> Comm_size;
    public static delegate* unmanaged<IntPtr, IntPtr*, int> Comm_dup;
    public static delegate* unmanaged<IntPtr, IntPtr, int> Comm_set_errhandler;
    public static delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, IntPtr*, int> Iallreduce;
    public static delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, IntPtr*, int> Ibcast;
    public static delegate* unmanaged<IntPtr, IntPtr*, int> Ibarrier;
    public static delegate* unmanaged<IntPtr, int, IntPtr, int, int, IntPtr, IntPtr*, int> Isend;
    public static delegate* unmanaged<int, int, IntPtr, int*, Status*, int> Iprobe;
    public static delegate* unmanaged<IntPtr, int, IntPtr, int, int, IntPtr, Status*, int> Recv;
    public static delegate* unmanaged<IntPtr*, int*, Status*, int> Test;
    public static delegate* unmanaged<IntPtr*, int> Cancel;
    public static delegate* unmanaged<IntPtr*, Status*, int> Wait;
    public static delegate* unmanaged<IntPtr, int, int> Abort;
    public static delegate* unmanaged<int, byte*, int*, int> Error_string;

    /// <summary>Loads libmpi and resolves what is bound; a clear error when MPI is not installed.</summary>
    public static void Load()
    {
        lock (Gate)
        {
            if (_lib != IntPtr.Zero) return;
            if (!NativeLibrary.TryLoad("libmpi.so.40", out var lib) && !NativeLibrary.TryLoad("libmpi.so", out lib))
                throw new MissingDependencyException("libmpi", "this process runs under mpirun (OMPI_COMM_WORLD_SIZE is set) but Open MPI's libmpi.so.40 does not load; install it (apt-get install openmpi-bin libopenmpi-dev) or run without mpirun");
            IntPtr F(string name) => NativeLibrary.TryGetExport(lib, name, out var p) ? p
                : throw new MissingDependencyException("libmpi", $"libmpi has no {name}: Vivify's MPI layer needs Open MPI 4 (libmpi.so.40); run without mpirun or install openmpi-bin 4.x");
            CommWorld = F("ompi_mpi_comm_world");
            Float = F("ompi_mpi_float");
            Double = F("ompi_mpi_double");
            Int64 = F("ompi_mpi_int64_t");
            Byte = F("ompi_mpi_byte");
            OpSum = F("ompi_mpi_op_sum");
            OpMax = F("ompi_mpi_op_max");
            ErrorsReturn = F("ompi_mpi_errors_return");
            Init_thread = (delegate* unmanaged<int*, IntPtr, int, int*, int>)F("MPI_Init_thread");
            Finalize = (delegate* unmanaged<int>)F("MPI_Finalize");
            Initialized = (delegate* unmanaged<int*, int>)F("MPI_Initialized");
            Comm_rank = (delegate* unmanaged<IntPtr, int*, int>)F("MPI_Comm_rank");
            Comm_size = (delegate* unmanaged<IntPtr, int*, int>)F("MPI_Comm_size");
            Comm_dup = (delegate* unmanaged<IntPtr, IntPtr*, int>)F("MPI_Comm_dup");
            Comm_set_errhandler = (delegate* unmanaged<IntPtr, IntPtr, int>)F("MPI_Comm_set_errhandler");
            Iallreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, IntPtr*, int>)F("MPI_Iallreduce");
            Ibcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, IntPtr*, int>)F("MPI_Ibcast");
            Ibarrier = (delegate* unmanaged<IntPtr, IntPtr*, int>)F("MPI_Ibarrier");
            Isend = (delegate* unmanaged<IntPtr, int, IntPtr, int, int, IntPtr, IntPtr*, int>)F("MPI_Isend");
            Iprobe = (delegate* unmanaged<int, int, IntPtr, int*, Status*, int>)F("MPI_Iprobe");
            Recv = (delegate* unmanaged<IntPtr, int, IntPtr, int, int, IntPtr, Status*, int>)F("MPI_Recv");
            Test = (delegate* unmanaged<IntPtr*, int*, Status*, int>)F("MPI_Test");
            Cancel = (delegate* unmanaged<IntPtr*, int>)F("MPI_Cancel");
            Wait = (delegate* unmanaged<IntPtr*, Status*, int>)F("MPI_Wait");
            Abort = (delegate* unmanaged<IntPtr, int, int>)F("MPI_Abort");
            Error_string = (delegate* unmanaged<int, byte*, int*, int>)F("MPI_Error_string");
            _lib = lib;
        }
    }

    /// <summary>Throws with MPI's own words when a call did not succeed.</summary>
    public static void Check(int rc, string call)
    {
        if (rc == Success) return;
        var text = new byte[256];
        var len = 0;
        fixed (byte* p = text)
            if (Error_string(rc, p, &len) != Success) len = 0;
        throw new VivifyException($"MPI: {call} failed: {System.Text.Encoding.ASCII.GetString(text, 0, Math.Clamp(len, 0, text.Length))} (error {rc})");
    }
}
