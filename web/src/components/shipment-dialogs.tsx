import { type FormEvent, useState } from "react";
import type { ItemView, OrderView, ShipmentView } from "../api";
import { digitsOf } from "../format";
import type { OrderActions } from "../order-actions";
import {
  AddressFields,
  addressDraft,
  addressFrom,
  MethodFields,
  methodDraft,
  methodFrom,
} from "./address-fields";
import { Dialog, DialogActions } from "./dialog";

/** The dialogs of a shipment: editing where and how it goes, and moving items into another. */

export function EditShipmentDialog({
  view,
  shipment,
  actions,
  onClose,
}: {
  view: OrderView;
  shipment: ShipmentView;
  actions: OrderActions;
  onClose: () => void;
}) {
  const digits = digitsOf(view.currency);
  const [address, setAddress] = useState(() => addressDraft(shipment.address));
  const [method, setMethod] = useState(() => methodDraft(shipment.method, digits));
  const [date, setDate] = useState(shipment.requestedDeliveryDate ?? "");

  async function save(event: FormEvent) {
    event.preventDefault();
    const done = await actions.updateShipment(view, {
      shipmentId: shipment.id,
      address: addressFrom(address),
      method: methodFrom(method, digits, shipment.method.taxRate),
      ...(date ? { requestedDeliveryDate: date } : {}),
    });
    if (done) onClose();
  }
  return (
    <Dialog title={`Edit shipment ${shipment.id}`} onClose={onClose}>
      <form onSubmit={save}>
        <AddressFields legend="Delivery address" value={address} onChange={setAddress} />
        <MethodFields value={method} onChange={setMethod} currency={view.currency} />
        <label>
          Requested delivery date
          <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
        </label>
        <DialogActions onDismiss={onClose}>
          <button type="submit" disabled={actions.busy}>
            Save shipment
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

const NEW = "new";

/** Moves an item, or part of a splittable one, into another shipment or a new one. */
export function MoveDialog({
  view,
  item,
  from,
  actions,
  onClose,
}: {
  view: OrderView;
  item: ItemView;
  from: ShipmentView;
  actions: OrderActions;
  onClose: () => void;
}) {
  const digits = digitsOf(view.currency);
  const targets = view.shipments.filter(
    (s) =>
      s.id !== from.id &&
      !view.items.some((i) => i.shipmentId === s.id && i.flags.includes("shipped")),
  );
  const [quantity, setQuantity] = useState(item.quantity);
  const [into, setInto] = useState(targets[0]?.id ?? NEW);
  const [address, setAddress] = useState(() => addressDraft(from.address));
  const [method, setMethod] = useState(() => methodDraft(from.method, digits));
  const [date, setDate] = useState("");
  const partial = item.isQuantitySplittable && item.quantity > 1;

  async function move(event: FormEvent) {
    event.preventDefault();
    const items = [{ id: item.id, ...(quantity < item.quantity ? { quantity } : {}) }];
    const done =
      into === NEW
        ? await actions.createShipment(view, {
            address: addressFrom(address),
            method: methodFrom(method, digits),
            ...(date ? { requestedDeliveryDate: date } : {}),
            items,
          })
        : await actions.moveItems(view, { toShipmentId: into, items });
    if (done) onClose();
  }
  return (
    <Dialog title={`Move ${item.id} (${item.sku})`} onClose={onClose}>
      <form onSubmit={move}>
        {partial ? (
          <label>
            Quantity to move (of {item.quantity})
            <input
              type="number"
              min={1}
              max={item.quantity}
              required
              value={quantity}
              onChange={(e) => setQuantity(e.target.valueAsNumber)}
            />
          </label>
        ) : (
          <p>
            {item.quantity === 1
              ? "One unit."
              : `All ${item.quantity} units: this line is not splittable.`}
          </p>
        )}
        <label>
          Into
          <select value={into} onChange={(e) => setInto(e.target.value)}>
            {targets.map((s) => (
              <option key={s.id} value={s.id}>
                shipment {s.id} ({s.address.city}, {s.method.name})
              </option>
            ))}
            <option value={NEW}>a new shipment</option>
          </select>
        </label>
        {into === NEW && (
          <>
            <AddressFields legend="Delivery address" value={address} onChange={setAddress} />
            <MethodFields value={method} onChange={setMethod} currency={view.currency} />
            <label>
              Requested delivery date
              <input type="date" value={date} onChange={(e) => setDate(e.target.value)} />
            </label>
          </>
        )}
        <DialogActions onDismiss={onClose}>
          <button type="submit" disabled={actions.busy}>
            {into === NEW ? "Create shipment and move" : "Move"}
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
