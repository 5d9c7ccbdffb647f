"use client";

import { useState } from "react";
import { Button, ConfirmDialog, Dialog, Input, Select } from "@/app/_components/ui";

export function DialogDemo({ initiallyOpen = false }: { initiallyOpen?: boolean }) {
  const [open, setOpen] = useState(initiallyOpen);
  const [confirming, setConfirming] = useState(false);
  const [revoking, setRevoking] = useState(false);

  return (
    <div className="flex flex-wrap gap-3">
      <Button variant="secondary" onClick={() => setOpen(true)}>
        Open dialog
      </Button>
      <Button variant="danger" onClick={() => setConfirming(true)}>
        Revoke runner…
      </Button>

      <Dialog
        open={open}
        onClose={() => setOpen(false)}
        title="Create enrollment token"
        description="A one-time token for enrolling a GPU runner. It expires after one hour or its first use."
        closeOnBackdrop={false}
        footer={
          <>
            <Button variant="secondary" onClick={() => setOpen(false)}>
              Cancel
            </Button>
            <Button onClick={() => setOpen(false)}>Create token</Button>
          </>
        }
      >
        <div className="flex flex-col gap-4">
          <Input label="Runner name" placeholder="maria-rtx2070" hint="Shown in the runners list and task logs." />
          <Select
            label="Labels"
            defaultValue="gpu"
            options={[
              { value: "gpu", label: "gpu" },
              { value: "gpu,sandbox", label: "gpu, sandbox" },
              { value: "cpu", label: "cpu only" },
            ]}
          />
        </div>
      </Dialog>

      <ConfirmDialog
        open={confirming}
        onClose={() => setConfirming(false)}
        onConfirm={() => {
          setRevoking(true);
          setTimeout(() => {
            setRevoking(false);
            setConfirming(false);
          }, 1200);
        }}
        loading={revoking}
        tone="danger"
        title="Revoke maria-rtx2070?"
        description="Its connection closes now and it can never reconnect. Jobs running on it move to another runner."
        confirmLabel="Revoke runner"
      />
    </div>
  );
}
