// FGSM computed independently in TensorFlow.js: the model exported to the layers format,
// the input gradient from tf.grad (tfjs's own autodiff), on tfjs's CPU backend.
import { register } from 'node:module';
import { exportTfjs, type Model } from '@plasticity/rules';

// tfjs-core registers its gradients only from its ESM build, whose relative imports have no
// file extension (fine for bundlers, refused by Node). This resolve hook adds '.js' to them.
const hook = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && !/\\.[cm]?js$/.test(specifier) && (context.parentURL ?? '').includes('/@tensorflow/tfjs-core/dist/')) {
    return next(specifier + '.js', context);
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
await import('@tensorflow/tfjs-backend-cpu');
const tfl = await import('@tensorflow/tfjs-layers');
type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Tensor2D = import('@tensorflow/tfjs-core').Tensor2D;

export async function tfjsFgsm(model: Model, x: Float32Array, y: Int32Array, n: number, epsilons: readonly number[]): Promise<{ clean: number; robust: number[] }> {
  await tf.setBackend('cpu');
  const e = exportTfjs(model);
  const load = (topology: object) =>
    tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: e.weightSpecs, weightData: e.weightData.slice().buffer }));
  const probsModel = await load(e.modelJson.modelTopology);
  // The same layers with a linear last layer give logits, so the loss is a stable log-softmax.
  const topo = JSON.parse(JSON.stringify(e.modelJson.modelTopology)) as { config: { layers: { config: { activation?: string } }[] } };
  topo.config.layers.at(-1)!.config.activation = 'linear';
  const logitsModel = await load(topo);
  const d = model.meta.architecture.inputSize;
  const k = model.meta.architecture.layers.at(-1)!.size;
  return tf.tidy(() => {
    const xt = tf.tensor2d(x.subarray(0, n * d), [n, d]);
    const onehot = tf.oneHot(tf.tensor1d(y.subarray(0, n), 'int32'), k);
    const loss = (input: Tensor) => tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logitsModel.apply(input) as Tensor2D))));
    const g = tf.sign(tf.grad(loss)(xt));
    const acc = (input: Tensor) => {
      const pred = tf.argMax(probsModel.predict(input) as Tensor2D, 1).dataSync();
      let c = 0;
      for (let i = 0; i < n; i++) if (pred[i] === y[i]) c++;
      return c / n;
    };
    return { clean: acc(xt), robust: epsilons.map((eps) => acc(tf.clipByValue(tf.add(xt, tf.mul(g, eps)), 0, 1))) };
  });
}
