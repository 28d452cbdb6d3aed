"""Wizard state that moves with the update's transaction: written after the commit, never
before it, and not at all when the update is rolled back.

aiogram writes `state.set_state` / `set_data` / `update_data` straight into the storage
(Redis in production) while the handler runs. Were the commit to fail after that, or the
process to die before it, the conversation would have moved on while the database had not.
`PendingStates` holds a handler's writes instead; reads within the update see them; the
DatabaseMiddleware (handlers.transaction) hands them to the real storage once the commit
succeeded.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey


class PendingStates(BaseStorage):
    """An update's view of the FSM storage: its own writes, then the storage underneath."""

    def __init__(self, storage: BaseStorage) -> None:
        self.storage = storage
        self._states: dict[StorageKey, str | None] = {}
        self._data: dict[StorageKey, dict[str, Any]] = {}

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        self._states[key] = state.state if isinstance(state, State) else state

    async def get_state(self, key: StorageKey) -> str | None:
        if key in self._states:
            return self._states[key]
        return await self.storage.get_state(key)

    # Deep copies both ways: a handler that changes a list inside the data it read (a
    # description's parts) must not change what MemoryStorage holds (it copies only the top).
    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        self._data[key] = copy.deepcopy(dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        if key in self._data:
            return copy.deepcopy(self._data[key])
        return copy.deepcopy(await self.storage.get_data(key))

    @property
    def written(self) -> bool:
        return bool(self._states or self._data)

    async def flush(self) -> None:
        """Write what the update changed (after its commit). Data first: if the storage fails
        in between, the conversation stays at its step, and repeating the step is harmless."""
        data, states = self._data, self._states
        self._data, self._states = {}, {}
        for key, values in data.items():
            await self.storage.set_data(key, values)
        for key, state in states.items():
            await self.storage.set_state(key, state)

    async def close(self) -> None:
        """The storage underneath belongs to the Dispatcher, which closes it."""


def held_back(state: FSMContext) -> tuple[PendingStates, FSMContext]:
    """`state` for a handler whose writes wait for its update's commit: the writes held, and
    the context that holds them."""
    pending = PendingStates(state.storage)
    return pending, FSMContext(pending, state.key)
