// Typed options of the `gupta` rule, with the research note's defaults (research/gupta/NOTE.md
// §3, MNIST at batch 32) and documented ranges. docs/rules/gupta.md explains each one.
import { z } from 'zod';

export const HIDDEN_VARIANTS = ['pa', 'ca', 'assoc', 'stdp'] as const;
export type HiddenVariant = (typeof HIDDEN_VARIANTS)[number];

const unit = (d: number) => z.number().gt(0).lt(1).default(d);
const rate = (d: number) => z.number().nonnegative().finite().default(d);

export const guptaOptionsSchema = z
  .object({
    /**
     * The hidden-layer rule: 'pa' population association (default), 'ca' competitive
     * association (first-spike race), 'assoc' per-unit association (H-assoc; collapses, the
     * documented failing reference), 'stdp' k-WTA latency STDP (H-stdp as written; fails).
     */
    hidden: z.enum(HIDDEN_VARIANTS).default('pa'),
    /** Length T of the spike-time window; a unit with activity a fires at t = T(1 − a). */
    window: z.number().positive().finite().default(1),
    /** The teacher's early level: the labelled output (and an advanced hidden unit) should fire at T(1 − early). */
    teacherEarly: unit(0.95),
    /** The teacher's late level: every other output (and a delayed hidden unit) should fire at T(1 − late). */
    teacherLate: unit(0.05),
    /** Scale each sample's teacher signal by s_y = 1/(K·π_y), π_y the class frequency the teacher has counted. */
    classBalance: z.boolean().default(true),
    /** η of the hidden layers (the update is η·ΔW; with SGD at lr 1 it is applied as is). */
    hiddenRate: rate(1),
    /** η of the output layer. */
    outputRate: rate(0.3),
    /** Per-layer η, one per layer (output last); overrides hiddenRate/outputRate when given. */
    layerRates: z.array(z.number().nonnegative().finite()).default([]),
    /** Hidden layers: divide η by the presynaptic drive ⟨‖a^{l−1}‖²⟩ of the batch, times driveRef (note §3.3, CA's layer-2 fix). */
    driveNorm: z.boolean().default(false),
    /** Reference drive for driveNorm (≈ ‖x‖² of an MNIST image). */
    driveRef: z.number().positive().finite().default(100),
    /** PA: scale β of the fixed association matrices, B^l ~ N(0, β²/H_l) (range 2–8; β = 1 is too weak). */
    association: z.number().positive().finite().default(4),
    /** PA: weight each unit's requested shift by its timing sensitivity a(1 − a) (off only as the note's ablation: it fails). */
    timingSensitivity: z.boolean().default(true),
    /** CA: the k₊ earliest units associated with the label are advanced. */
    kPos: z.number().int().positive().default(3),
    /** CA: the k₋ earliest units associated with another label are delayed. */
    kNeg: z.number().int().positive().default(3),
    /** CA: rate η_b of the adaptive threshold (spike-frequency adaptation), applied to the bias each step, outside the lr schedule; 0 turns it off. */
    homeostasisRate: rate(0.5),
    /** CA: target fraction ρ of inputs on which a unit fires early (before T/2). */
    homeostasisTarget: unit(0.1),
    /** STDP window: potentiation amplitude A₊ (pre before post). */
    aPlus: rate(1),
    /** STDP window: depression amplitude A₋ (post before pre). */
    aMinus: rate(1.05),
    /** STDP window: τ₊ as a fraction of T. */
    tauPlus: z.number().positive().finite().default(0.2),
    /** STDP window: τ₋ as a fraction of T. */
    tauMinus: z.number().positive().finite().default(0.2),
    /** stdp: the fraction of a layer's units that fire first and learn (k of k-WTA, at least one unit). */
    wta: z.number().gt(0).max(1).default(0.05),
    /** stdp: threshold raise per win (the bias drops by this times the batch's win rate). */
    thresholdStep: rate(1e-3),
    /** stdp: after each update, rescale every row of W to its initial L2 norm ('row') or not ('none'). */
    weightNorm: z.enum(['row', 'none']).default('row'),
    /** stdp: soft bounds ±wMax of the (wMax − W)(W + wMax) factor, and the clip. */
    wMax: z.number().positive().finite().default(1),
    /** 'layers': every layer's update runs on its own worker thread over shared memory (Node only); identical results. */
    parallel: z.enum(['none', 'layers']).default('none'),
  })
  .strict();

export type GuptaOptions = z.output<typeof guptaOptionsSchema>;
export type GuptaOptionsInput = z.input<typeof guptaOptionsSchema>;
