import { formatSteps, parseStep, stepsToNumber, toSteps } from '../src';
import { codeOf } from './error-code';

const lot = parseStep('0.0001');
const tick = parseStep('1000');

describe('decimal input becomes exact integer steps', () => {
  test.each([
    ['0.5', 5000],
    [0.5, 5000],
    ['0.0001', 1],
    [1, 10000],
    ['12.3400', 123400],
  ])('quantity %p is %p lots of 0.0001', (input, lots) => {
    expect(toSteps(input, lot, 'INVALID_QUANTITY', 'quantity')).toBe(lots);
  });

  test('prices are whole ticks of 1000', () => {
    expect(toSteps(50000000, tick, 'INVALID_PRICE', 'price')).toBe(50000);
    expect(toSteps('50001000', tick, 'INVALID_PRICE', 'price')).toBe(50001);
  });

  test.each([
    ['finer than the lot', '0.00005'],
    ['float artefact', 0.30000000000000004],
    ['negative', '-1'],
    ['negative number', -0.5],
    ['zero', 0],
    ['zero string', '0.0000'],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['exponent string', '1e-4'],
    ['exponent number', 1e-7],
    ['hex', '0x10'],
    ['spaces', ' 1'],
    ['empty', ''],
    ['boolean', true],
    ['null', null],
    ['over range', '99999999999999999999999'],
  ])('%s is refused with the field code, never rounded', (_name, input) => {
    expect(codeOf(() => toSteps(input, lot, 'INVALID_QUANTITY', 'quantity'))).toBe('INVALID_QUANTITY');
  });

  test('a price between ticks is refused, naming the tick', () => {
    expect(() => toSteps('50000500', tick, 'INVALID_PRICE', 'price')).toThrow('not a multiple of 1000');
  });
});

describe('integer steps become exact decimals on the wire', () => {
  test('lots render without float artefacts', () => {
    expect(formatSteps(3, parseStep('0.1'))).toBe('0.3');
    expect(stepsToNumber(3, parseStep('0.1'))).toBe(0.3);
    expect(stepsToNumber(5000, lot)).toBe(0.5);
    expect(stepsToNumber(50000, tick)).toBe(50000000);
  });

  test('a value that a double cannot carry exactly is refused rather than sent wrong', () => {
    expect(() => stepsToNumber(1234567890123456n, lot)).toThrow('cannot be sent exactly');
  });
});
